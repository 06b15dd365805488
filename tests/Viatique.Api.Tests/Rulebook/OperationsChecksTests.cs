using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Viatique.Api.Settings.Rulebook;
using Viatique.Api.Settings.Rulebook.Deploy;

namespace Viatique.Api.Tests.Rulebook;

public sealed class OperationsChecksTests : IDisposable
{
    static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("viatique-ops-checks-");

    public void Dispose() => _dir.Delete(recursive: true);

    static async Task<string[]> Run(IDeployCheck check, Dictionary<string, string> env) =>
        [.. (await check.RunAsync(new RuleContext(Env.Read(env), Now), TestContext.Current.CancellationToken)).Where(f => f.Severity == Severity.Error).Select(f => f.Id)];

    string Certificate(TimeSpan validFor)
    {
        using var key = ECDsa.Create();
        var request = new CertificateRequest("CN=viatique.example.com", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(Now.AddDays(-60), Now + validFor);
        var path = Path.Combine(_dir.FullName, $"cert-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, certificate.ExportCertificatePem());
        return path;
    }

    void Backups(TimeSpan databaseAge, TimeSpan mediaAge)
    {
        var db = Directory.CreateDirectory(Path.Combine(_dir.FullName, "backups", "db"));
        var dump = Path.Combine(db.FullName, "viatique-20261124T120000Z.sql.gz");
        File.WriteAllText(dump, "dump");
        File.SetLastWriteTimeUtc(dump, (Now - databaseAge).UtcDateTime);
        var snapshot = Directory.CreateDirectory(Path.Combine(_dir.FullName, "backups", "media", "20261124T120000Z"));
        Directory.SetLastWriteTimeUtc(snapshot.FullName, (Now - mediaAge).UtcDateTime);
    }

    string BackupDir => Path.Combine(_dir.FullName, "backups");

    [Theory]
    [InlineData(90)]
    [InlineData(15)]
    public async Task CertificateValidLongEnoughPasses(int days) =>
        Assert.Empty(await Run(new TlsCertificateValid(), Env.With(("TLS_CERT_PATH", Certificate(TimeSpan.FromDays(days))))));

    [Theory]
    [InlineData(3)]
    [InlineData(-1)]
    public async Task CertificateExpiringWithin14DaysOrExpiredFails(int days) =>
        Assert.Equal(["VIQ-E103"], await Run(new TlsCertificateValid(), Env.With(("TLS_CERT_PATH", Certificate(TimeSpan.FromDays(days))))));

    [Fact]
    public async Task MissingOrUnreadableCertificateFails()
    {
        var garbage = Path.Combine(_dir.FullName, "garbage.pem");
        File.WriteAllText(garbage, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");

        Assert.Equal(["VIQ-E103"], await Run(new TlsCertificateValid(), Env.With(("TLS_CERT_PATH", Path.Combine(_dir.FullName, "absent.pem")))));
        Assert.Equal(["VIQ-E103"], await Run(new TlsCertificateValid(), Env.With(("TLS_CERT_PATH", garbage))));
        Assert.Equal(["VIQ-E103"], await Run(new TlsCertificateValid(), Env.With(("TLS_CERT_PATH", null))));
    }

    [Fact]
    public async Task CertificateIsNotCheckedInDevelopment() =>
        Assert.Empty(await Run(new TlsCertificateValid(), Env.With(("ASPNETCORE_ENVIRONMENT", "Development"), ("TLS_CERT_PATH", Path.Combine(_dir.FullName, "absent.pem")))));

    [Fact]
    public async Task FreshBackupsPass()
    {
        Backups(TimeSpan.FromHours(1), TimeSpan.FromHours(23));
        Assert.Empty(await Run(new BackupsRecent(), Env.With(("BACKUP_DIR", BackupDir))));
    }

    [Theory]
    [InlineData(25, 1)]
    [InlineData(1, 25)]
    public async Task ABackupOlderThan24HoursFails(int databaseHours, int mediaHours)
    {
        Backups(TimeSpan.FromHours(databaseHours), TimeSpan.FromHours(mediaHours));
        Assert.Equal(["VIQ-E104"], await Run(new BackupsRecent(), Env.With(("BACKUP_DIR", BackupDir))));
    }

    [Fact]
    public async Task NoBackupAtAllFailsForBothKinds() =>
        Assert.Equal(["VIQ-E104", "VIQ-E104"], await Run(new BackupsRecent(), Env.With(("BACKUP_DIR", BackupDir))));

    [Fact]
    public async Task BackupsAreNotCheckedInDevelopment() =>
        Assert.Empty(await Run(new BackupsRecent(), Env.With(("ASPNETCORE_ENVIRONMENT", "Development"), ("BACKUP_DIR", BackupDir))));
}
