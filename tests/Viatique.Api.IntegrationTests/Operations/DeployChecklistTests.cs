using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Operations;

/// <summary>
/// check --deploy on backups written by the real scripts and certificates made by openssl:
/// VIQ-E104 (backups younger than 24 h) and VIQ-E103 (certificate valid for more than 14 days).
/// </summary>
public sealed class DeployChecklistTests(PostgresServer postgres, RedisServer redis) : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("viatique-deploy-check-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    string Backups => Path.Combine(_root, "backups");

    async Task<Dictionary<string, string>> ProductionWithFreshBackupsAsync(int certificateDays)
    {
        var name = await postgres.CreateDatabaseAsync("deploy_check");
        var env = TestEnv.Production(postgres, name, redis, ("BACKUP_DIR", Backups), ("TLS_CERT_PATH", await CertificateAsync(certificateDays)));
        var migrate = await AppProcess.RunAsync(env, "migrate");
        Assert.True(migrate.ExitCode == 0, migrate.Stdout + migrate.Stderr);

        var database = await Script.RunAsync("docker/backup.sh", new Dictionary<string, string> { ["DATABASE_URL"] = postgres.Url(name), ["BACKUP_DIR"] = Backups });
        Assert.True(database.ExitCode == 0, database.ToString());
        var media = Directory.CreateDirectory(Path.Combine(_root, "media")).FullName;
        File.WriteAllText(Path.Combine(media, "avatar.png"), "png");
        var snapshot = await Script.RunAsync("docker/backup_media.sh", new Dictionary<string, string> { ["BACKUP_DIR"] = Backups }, "--source", media);
        Assert.True(snapshot.ExitCode == 0, snapshot.ToString());
        return env;
    }

    async Task<string> CertificateAsync(int days)
    {
        var certificate = Path.Combine(_root, $"fullchain-{days}.pem");
        var openssl = await Script.RunProgramAsync("openssl", new Dictionary<string, string>(),
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", Path.Combine(_root, $"privkey-{days}.pem"), "-out", certificate,
             "-days", days.ToString(System.Globalization.CultureInfo.InvariantCulture), "-subj", "/CN=viatique.example.com"]);
        Assert.True(openssl.ExitCode == 0, openssl.ToString());
        return certificate;
    }

    [Fact]
    public async Task PassesWithFreshBackupsAndACertificateValidFor90Days()
    {
        var env = await ProductionWithFreshBackupsAsync(certificateDays: 90);

        var (exitCode, stdout, stderr) = await AppProcess.RunAsync(env, "check --deploy");

        Assert.True(exitCode == 0, stdout + stderr);
        Assert.DoesNotContain("VIQ-E103", stdout);
        Assert.DoesNotContain("VIQ-E104", stdout);
        Assert.DoesNotContain("not yet available", stdout);
    }

    [Fact]
    public async Task FailsWhenTheNewestDatabaseBackupIs25HoursOld()
    {
        var env = await ProductionWithFreshBackupsAsync(certificateDays: 90);
        foreach (var dump in Directory.GetFiles(Path.Combine(Backups, "db")))
        {
            File.SetLastWriteTimeUtc(dump, DateTime.UtcNow.AddHours(-25));
        }

        var (exitCode, stdout, _) = await AppProcess.RunAsync(env, "check --deploy");

        Assert.Equal(78, exitCode);
        Assert.Contains("VIQ-E104 BACKUP_DIR: the newest database backup", stdout);
        Assert.DoesNotContain("VIQ-E103", stdout);
    }

    [Fact]
    public async Task FailsWhenTheCertificateExpiresIn3Days()
    {
        var env = await ProductionWithFreshBackupsAsync(certificateDays: 3);

        var (exitCode, stdout, _) = await AppProcess.RunAsync(env, "check --deploy");

        Assert.Equal(78, exitCode);
        Assert.Contains("VIQ-E103 TLS_CERT_PATH: the TLS certificate expires on", stdout);
        Assert.DoesNotContain("VIQ-E104", stdout);
    }
}
