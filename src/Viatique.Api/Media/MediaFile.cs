namespace Viatique.Api.Media;

/// <summary>An uploaded file: stored under MEDIA_ROOT by <see cref="StoredName"/>, never by the client's name.</summary>
public sealed class MediaFile
{
    public Guid Id { get; init; }
    public required string OwnerId { get; init; }
    /// <summary>Random, with a safe extension: the only name used on disk and in URLs.</summary>
    public required string StoredName { get; init; }
    /// <summary>The client's file name, for display only.</summary>
    public required string Name { get; init; }
    public required string ContentType { get; init; }
    public long Size { get; init; }
    public DateTime CreatedAt { get; init; }

    public string Url => "/media/" + StoredName;
}
