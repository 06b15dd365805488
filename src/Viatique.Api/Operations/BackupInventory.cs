using System.Globalization;
using System.Text.RegularExpressions;

namespace Viatique.Api.Operations;

/// <summary>
/// What <c>BACKUP_DIR</c> holds, in the layout the backup scripts write:
/// <c>db/viatique-YYYYMMDDTHHMMSSZ.sql.gz</c> for database dumps and
/// <c>media/YYYYMMDDTHHMMSSZ/</c> for media snapshots. Anything else (a dump still being written
/// under a temporary name, a half snapshot) is not a backup. A backup's age is its modification
/// time, the same clock the scripts' 30-day retention reads.
/// </summary>
public static partial class BackupInventory
{
    public const string DatabaseFolder = "db";
    public const string MediaFolder = "media";

    [GeneratedRegex(@"^viatique-\d{8}T\d{6}Z\.sql\.gz$")]
    private static partial Regex DatabaseBackupName();

    [GeneratedRegex(@"^\d{8}T\d{6}Z$")]
    private static partial Regex MediaSnapshotName();

    /// <summary>The modification time of the newest complete database dump, or null when there is none.</summary>
    public static DateTimeOffset? NewestDatabaseBackup(string backupDir) =>
        Newest(Folder(backupDir, DatabaseFolder)?.EnumerateFiles().Where(f => DatabaseBackupName().IsMatch(f.Name) && f.Length > 0));

    /// <summary>The modification time of the newest complete media snapshot, or null when there is none.</summary>
    public static DateTimeOffset? NewestMediaSnapshot(string backupDir) =>
        Newest(Folder(backupDir, MediaFolder)?.EnumerateDirectories().Where(d => MediaSnapshotName().IsMatch(d.Name)));

    /// <summary>The file or directory name a backup taken at <paramref name="at"/> gets.</summary>
    public static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    static DirectoryInfo? Folder(string backupDir, string name) =>
        new DirectoryInfo(Path.Combine(backupDir, name)) is { Exists: true } folder ? folder : null;

    static DateTimeOffset? Newest(IEnumerable<FileSystemInfo>? entries) =>
        entries?.Select(e => (DateTimeOffset?)new DateTimeOffset(e.LastWriteTimeUtc, TimeSpan.Zero)).Max();
}
