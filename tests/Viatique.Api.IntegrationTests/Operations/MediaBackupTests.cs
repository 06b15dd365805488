using Viatique.Api.IntegrationTests.Infrastructure;
using Viatique.Api.Operations;

namespace Viatique.Api.IntegrationTests.Operations;

/// <summary>docker/backup_media.sh: dated snapshots, unchanged files hard-linked to the previous one.</summary>
public sealed class MediaBackupTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("viatique-media-backup-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    string Media => Path.Combine(_root, "media");
    string Backups => Path.Combine(_root, "backups");

    Task<Script.Result> SnapshotAsync() =>
        Script.RunAsync("docker/backup_media.sh", new Dictionary<string, string> { ["BACKUP_DIR"] = Backups }, "--source", Media);

    string[] Snapshots() => [.. Directory.GetDirectories(Path.Combine(Backups, "media")).Order(StringComparer.Ordinal)];

    static async Task<string> InodeAsync(string path)
    {
        var stat = await Script.RunProgramAsync("stat", new Dictionary<string, string>(), ["-c", "%i", path]);
        Assert.True(stat.ExitCode == 0, stat.ToString());
        return stat.Stdout.Trim();
    }

    void Write(string relative, string content)
    {
        var path = Path.Combine(Media, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    [Fact]
    public async Task UnchangedFilesShareAnInodeChangedOnesDoNotAndDeletedOnesAreGone()
    {
        Write("avatars/a.png", "unchanged");
        Write("uploads/2026/report.pdf", "first version");
        Write("uploads/gone.txt", "deleted before the second snapshot");
        var first = await SnapshotAsync();
        Assert.True(first.ExitCode == 0, first.ToString());

        // A rewrite a second later gives the changed file another size and date.
        await Task.Delay(1100, TestContext.Current.CancellationToken);
        Write("uploads/2026/report.pdf", "second, longer version");
        File.Delete(Path.Combine(Media, "uploads/gone.txt"));
        var second = await SnapshotAsync();
        Assert.True(second.ExitCode == 0, second.ToString());

        var snapshots = Snapshots();
        Assert.Equal(2, snapshots.Length);
        Assert.All(snapshots, s => Assert.Matches(@"/\d{8}T\d{6}Z$", s));
        var (older, newer) = (snapshots[0], snapshots[1]);
        Assert.Equal(await InodeAsync(Path.Combine(older, "avatars/a.png")), await InodeAsync(Path.Combine(newer, "avatars/a.png")));
        Assert.NotEqual(await InodeAsync(Path.Combine(older, "uploads/2026/report.pdf")), await InodeAsync(Path.Combine(newer, "uploads/2026/report.pdf")));
        Assert.Equal("second, longer version", File.ReadAllText(Path.Combine(newer, "uploads/2026/report.pdf")));
        Assert.Equal("first version", File.ReadAllText(Path.Combine(older, "uploads/2026/report.pdf")));
        Assert.False(File.Exists(Path.Combine(newer, "uploads/gone.txt")));
        Assert.True(File.Exists(Path.Combine(older, "uploads/gone.txt")));
    }

    [Fact]
    public async Task ASnapshotIsDatedWhenTakenSoCheckDeploySeesItAsFresh()
    {
        Write("a.txt", "x");
        Directory.SetLastWriteTimeUtc(Media, DateTime.UtcNow.AddDays(-90));

        var result = await SnapshotAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        var newest = BackupInventory.NewestMediaSnapshot(Backups);
        Assert.NotNull(newest);
        Assert.True(DateTimeOffset.UtcNow - newest.Value < TimeSpan.FromMinutes(5), $"snapshot dated {newest}");
    }

    [Fact]
    public async Task RetentionRemovesOnlySnapshotsOlderThan30Days()
    {
        Write("a.txt", "x");
        string Aged(string name, int days)
        {
            var path = Directory.CreateDirectory(Path.Combine(Backups, "media", name)).FullName;
            File.WriteAllText(Path.Combine(path, "a.txt"), "x");
            Directory.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddDays(-days));
            return path;
        }
        var expired = Aged("20250101T000000Z", 31);
        var kept = Aged("20250201T000000Z", 29);
        var notOurs = Aged("keep-me", 60);

        var result = await SnapshotAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.False(Directory.Exists(expired));
        Assert.True(Directory.Exists(kept));
        Assert.True(Directory.Exists(notOurs));
        Assert.Equal(3, Snapshots().Length);
    }

    [Fact]
    public async Task AMissingSourceFailsAndWritesNothing()
    {
        var result = await SnapshotAsync();

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("does not exist", result.Stderr);
        Assert.False(Directory.Exists(Backups));
    }
}
