using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Viatique.Api.Data;
using Viatique.Api.Hosting;
using Viatique.Api.Settings;

namespace Viatique.Api.Media;

public static class MediaEndpoints
{
    public static IEndpointRouteBuilder MapMedia(this IEndpointRouteBuilder app)
    {
        var media = app.MapGroup("/api/media");
        media.MapPost("/", UploadAsync).Accepts<UploadForm>("multipart/form-data");
        media.MapGet("/", ListAsync);
        media.MapGet("/{id:guid}", GetAsync);
        media.MapDelete("/{id:guid}", DeleteAsync);
        return app;
    }

    /// <summary>The upload's shape, for the API document: one multipart field named <c>file</c>.</summary>
    public sealed record UploadForm(IFormFile File);

    public sealed record MediaResponse(Guid Id, string Name, long Size, string Url)
    {
        public static MediaResponse Of(MediaFile file) => new(file.Id, file.Name, file.Size, file.Url);
    }

    static string Owner(ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier)!;

    /// <summary>
    /// Streams the multipart field <c>file</c> to a temporary file beside MEDIA_ROOT's files, then
    /// moves it into place and records it. Any failure (refused type, too large, client gone,
    /// database error) removes what was written: no partial file, no row.
    /// </summary>
    static async Task<Results<Created<MediaResponse>, ProblemHttpResult, StatusCodeHttpResult>> UploadAsync(
        HttpContext http, ClaimsPrincipal user, ViatiqueDbContext db, ViatiqueSettings settings, TimeProvider clock)
    {
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 } boundary)
        {
            return TypedResults.Problem("send multipart/form-data with a field named 'file'", statusCode: StatusCodes.Status400BadRequest);
        }

        var root = Path.GetFullPath(settings.MediaRoot);
        var incoming = Path.Combine(root, ".incoming");
        Directory.CreateDirectory(incoming);
        var temporary = Path.Combine(incoming, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + ".part");
        string? final = null;
        try
        {
            var reader = new MultipartReader(boundary, http.Request.Body);
            for (var section = await reader.ReadNextSectionAsync(http.RequestAborted); section is not null; section = await reader.ReadNextSectionAsync(http.RequestAborted))
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || disposition.Name.Value != "file" || HeaderUtilities.RemoveQuotes(disposition.FileName).Value is not { Length: > 0 } clientName)
                {
                    continue;
                }
                if (clientName.Length > MediaPolicy.MaxNameLength || section.ContentType?.Length > MediaPolicy.MaxNameLength
                    || clientName.Any(char.IsControl))
                {
                    return TypedResults.Problem($"the file name and the part's content type must be at most {MediaPolicy.MaxNameLength} printable characters",
                        statusCode: StatusCodes.Status400BadRequest);
                }
                if (MediaPolicy.RefuseByName(clientName, section.ContentType) is { } refusal)
                {
                    return TypedResults.Problem(refusal, statusCode: StatusCodes.Status415UnsupportedMediaType);
                }

                var size = 0L;
                var head = new byte[512];
                var headLength = 0;
                await using (var target = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
                {
                    var buffer = new byte[81920];
                    int read;
                    while ((read = await section.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
                    {
                        if (headLength < head.Length)
                        {
                            var take = Math.Min(read, head.Length - headLength);
                            buffer.AsSpan(0, take).CopyTo(head.AsSpan(headLength));
                            headLength += take;
                        }
                        size += read;
                        if (size > HttpPipeline.MaxRequestBodyBytes)
                        {
                            return TypedResults.StatusCode(StatusCodes.Status413PayloadTooLarge);
                        }
                        await target.WriteAsync(buffer.AsMemory(0, read), http.RequestAborted);
                    }
                }
                if (MediaPolicy.RefuseByContent(head.AsSpan(0, headLength)) is { } contentRefusal)
                {
                    return TypedResults.Problem(contentRefusal, statusCode: StatusCodes.Status415UnsupportedMediaType);
                }

                var file = new MediaFile
                {
                    Id = Guid.NewGuid(),
                    OwnerId = Owner(user),
                    StoredName = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + MediaPolicy.StoredExtension(clientName),
                    Name = MediaPolicy.DisplayName(clientName),
                    ContentType = section.ContentType ?? "application/octet-stream",
                    Size = size,
                    CreatedAt = clock.GetUtcNow().UtcDateTime,
                };
                final = Path.Combine(root, file.StoredName);
                File.Move(temporary, final);
                db.MediaFiles.Add(file);
                await db.SaveChangesAsync(http.RequestAborted);
                final = null;
                return TypedResults.Created(file.Url, MediaResponse.Of(file));
            }
            return TypedResults.Problem("no file in the field named 'file'", statusCode: StatusCodes.Status400BadRequest);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own body limit (chunked uploads), or a malformed body.
            return TypedResults.StatusCode(e.StatusCode);
        }
        catch (InvalidDataException)
        {
            // MultipartReader: part headers too long or too many, broken framing.
            return TypedResults.Problem("the multipart body is malformed", statusCode: StatusCodes.Status400BadRequest);
        }
        catch (IOException e) when (Failures.IsDiskFull(e))
        {
            return TypedResults.Problem("the server has no room left to store this file", statusCode: StatusCodes.Status507InsufficientStorage);
        }
        catch (IOException) when (!http.RequestAborted.IsCancellationRequested)
        {
            // The body ended before the closing boundary (a truncated upload).
            return TypedResults.Problem("the multipart body ended before its closing boundary", statusCode: StatusCodes.Status400BadRequest);
        }
        finally
        {
            File.Delete(temporary);
            if (final is not null)
            {
                File.Delete(final);
            }
        }
    }

    static async Task<Ok<MediaResponse[]>> ListAsync(ClaimsPrincipal user, ViatiqueDbContext db)
    {
        var owner = Owner(user);
        var files = await db.MediaFiles.AsNoTracking().Where(f => f.OwnerId == owner).OrderBy(f => f.CreatedAt).ToListAsync();
        return TypedResults.Ok(files.Select(MediaResponse.Of).ToArray());
    }

    static async Task<Results<Ok<MediaResponse>, NotFound>> GetAsync(Guid id, ClaimsPrincipal user, ViatiqueDbContext db)
    {
        var owner = Owner(user);
        var file = await db.MediaFiles.AsNoTracking().SingleOrDefaultAsync(f => f.Id == id && f.OwnerId == owner);
        return file is null ? TypedResults.NotFound() : TypedResults.Ok(MediaResponse.Of(file));
    }

    static async Task<Results<NoContent, NotFound>> DeleteAsync(Guid id, ClaimsPrincipal user, ViatiqueDbContext db, ViatiqueSettings settings)
    {
        var owner = Owner(user);
        if (await db.MediaFiles.SingleOrDefaultAsync(f => f.Id == id && f.OwnerId == owner) is not { } file)
        {
            return TypedResults.NotFound();
        }
        db.MediaFiles.Remove(file);
        await db.SaveChangesAsync();
        File.Delete(Path.Combine(Path.GetFullPath(settings.MediaRoot), file.StoredName));
        return TypedResults.NoContent();
    }
}
