using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Viatique.Api.Operations;

namespace Viatique.Api.Tests.Operations;

public sealed class BackupInventoryTests : IDisposable
{
    readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("viatique-backups-");

    public void Dispose() => _dir.Delete(recursive: true);

    string Touch(string relative, DateTime modified, bool directory = false)
    {
        var path = Path.Combine(_dir.FullName, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (directory)
        {
            Directory.CreateDirectory(path);
            Directory.SetLastWriteTimeUtc(path, modified);
        }
        else
        {
            File.WriteAllText(path, "x");
            File.SetLastWriteTimeUtc(path, modified);
        }
        return path;
    }

    [Fact]
    public void FindsNoBackupInAMissingDirectory()
    {
        Assert.Null(BackupInventory.NewestDatabaseBackup(Path.Combine(_dir.FullName, "absent")));
        Assert.Null(BackupInventory.NewestMediaSnapshot(Path.Combine(_dir.FullName, "absent")));
    }

    [Fact]
    public void NewestDatabaseBackupIsTheLatestCompleteDump()
    {
        var old = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var recent = old.AddDays(3);
        Touch("db/viatique-20260101T000000Z.sql.gz", old);
        Touch("db/viatique-20260104T000000Z.sql.gz", recent);
        Touch("db/.viatique-20260105T000000Z.sql.gz.partial", recent.AddDays(1));
        Touch("db/notes.txt", recent.AddDays(2));

        Assert.Equal(new DateTimeOffset(recent), BackupInventory.NewestDatabaseBackup(_dir.FullName));
    }

    [Fact]
    public void NewestMediaSnapshotIgnoresHalfSnapshots()
    {
        var at = new DateTime(2026, 2, 1, 0, 0, 0, DateTimeKind.Utc);
        Touch("media/20260201T000000Z", at, directory: true);
        Touch("media/.partial-20260202T000000Z", at.AddDays(1), directory: true);

        Assert.Equal(new DateTimeOffset(at), BackupInventory.NewestMediaSnapshot(_dir.FullName));
    }

    [Fact]
    public void StampIsUtcAndSortable() =>
        Assert.Equal("20261125T190501Z", BackupInventory.Stamp(new DateTimeOffset(2026, 11, 25, 20, 5, 1, TimeSpan.FromHours(1))));

    [Fact]
    public void ReadsTheEndOfACertificatesValidity()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=viatique.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var notAfter = new DateTimeOffset(2027, 3, 1, 12, 0, 0, TimeSpan.Zero);
        using var certificate = request.CreateSelfSigned(notAfter.AddDays(-90), notAfter);
        var path = Path.Combine(_dir.FullName, "fullchain.pem");
        File.WriteAllText(path, certificate.ExportCertificatePem());

        Assert.Equal(notAfter, TlsCertificateFile.ReadNotAfter(path));
    }
}
