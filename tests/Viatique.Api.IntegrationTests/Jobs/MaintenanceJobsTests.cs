using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Viatique.Api.Data;
using Viatique.Api.IntegrationTests.Infrastructure;
using Viatique.Api.Jobs;
using Viatique.Api.Settings;

namespace Viatique.Api.IntegrationTests.Jobs;

/// <summary>The recurring jobs' bodies, run against the real PostgreSQL and real files, with their log captured.</summary>
public sealed class MaintenanceJobsTests(PostgresServer postgres, RedisServer redis) : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("viatique-maintenance-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    sealed class Captured : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Lines { get; } = new();
        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
        public void Dispose() { }

        sealed class Logger(Captured owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Lines.Enqueue((category, logLevel, formatter(state, exception)));
        }
    }

    async Task<(IHost Host, Captured Log, string Database)> HostAsync(params (string, string)[] more)
    {
        var database = await postgres.CreateDatabaseAsync("maintenance");
        var env = TestEnv.Production(postgres, database, redis, more);
        Assert.Equal(0, (await AppProcess.RunAsync(env, "migrate")).ExitCode);
        var settings = SettingsReader.Read(env);
        var builder = Host.CreateApplicationBuilder();
        var log = new Captured();
        builder.Logging.ClearProviders().AddProvider(log);
        builder.Services.AddSingleton(settings);
        builder.AddViatiqueData(settings);
        builder.Services.AddScoped<MaintenanceJobs>();
        return (builder.Build(), log, database);
    }

    /// <summary>Accounts whose security stamp is 'stamp-now', for the sessions and reset records to belong to.</summary>
    Task SeedUsersAsync(string database, params string[] ids) => postgres.ExecuteAsync(database, $"""
        INSERT INTO "AspNetUsers" ("Id", "UserName", "SecurityStamp", "EmailConfirmed", "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnabled", "AccessFailedCount")
          VALUES {string.Join(", ", ids.Select(id => $"('{id}', '{id}', 'stamp-now', true, false, false, true, 0)"))};
        """);

    static async Task PurgeAsync(IHost host)
    {
        await using var scope = host.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<MaintenanceJobs>().PurgeExpiredAsync(CancellationToken.None);
    }

    [Fact]
    public async Task PurgeRemovesExpiredSessionsAndSpentResetRecordsOnly()
    {
        var (host, _, database) = await HostAsync();
        using var _ = host;
        await SeedUsersAsync(database, "u1", "u2", "u3");
        await postgres.ExecuteAsync(database, """
            INSERT INTO user_sessions ("Key", "UserId", "Ticket", "CreatedAt", "ExpiresAt")
              VALUES ('expired', 'u1', '\x00', now() - interval '20 days', now() - interval '1 day'),
                     ('alive', 'u1', '\x00', now(), now() + interval '1 day');
            INSERT INTO password_reset_mails ("UserId", "SentAt", "SecurityStamp")
              VALUES ('u1', now() - interval '4 days', 'stamp-now'),
                     ('u2', now(), 'stamp-before-the-reset'),
                     ('u3', now(), 'stamp-now');
            """);

        await PurgeAsync(host);

        Assert.Equal("alive", await postgres.ScalarAsync(database, "SELECT string_agg(\"Key\", ',') FROM user_sessions"));
        // u1's token expired (3 days), u2's was used (the stamp moved on); u3's still works.
        Assert.Equal("u3", await postgres.ScalarAsync(database, "SELECT string_agg(\"UserId\", ',') FROM password_reset_mails"));
    }

    [Fact]
    public async Task PurgeOutlastsTheWebCommandTimeoutWhenTheTableIsBusy()
    {
        var (host, _, database) = await HostAsync();
        using var _ = host;
        await SeedUsersAsync(database, "u1");
        await postgres.ExecuteAsync(database, """
            INSERT INTO user_sessions ("Key", "UserId", "Ticket", "CreatedAt", "ExpiresAt")
              VALUES ('expired', 'u1', '\x00', now() - interval '20 days', now() - interval '1 day');
            """);
        var busyFor = TimeSpan.FromSeconds(DatabaseConnections.CommandTimeoutSeconds + 2);

        // Another session holds the table longer than a web request's query may wait.
        await using var holder = new Npgsql.NpgsqlConnection(postgres.ConnectionString(database));
        await holder.OpenAsync(TestContext.Current.CancellationToken);
        await using var transaction = await holder.BeginTransactionAsync(TestContext.Current.CancellationToken);
        await using (var take = new Npgsql.NpgsqlCommand("LOCK TABLE user_sessions IN ACCESS EXCLUSIVE MODE", holder, transaction))
        {
            await take.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }
        var release = Task.Delay(busyFor, TestContext.Current.CancellationToken).ContinueWith(_ => transaction.CommitAsync(), TaskScheduler.Default).Unwrap();

        await PurgeAsync(host);
        await release;

        Assert.Equal(0L, await postgres.ScalarAsync(database, "SELECT count(*) FROM user_sessions"));
    }

    static void WriteCertificate(string path, TimeSpan validFor)
    {
        using var key = ECDsa.Create();
        var request = new CertificateRequest("CN=viatique.example.com", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow + validFor);
        File.WriteAllText(path, certificate.ExportCertificatePem());
    }

    static void WriteBackups(string backupDir, TimeSpan age)
    {
        var stamp = DateTimeOffset.UtcNow - age;
        var dump = Path.Combine(backupDir, "db", $"viatique-{stamp:yyyyMMdd'T'HHmmss'Z'}.sql.gz");
        Directory.CreateDirectory(Path.GetDirectoryName(dump)!);
        File.WriteAllBytes(dump, [0x1f, 0x8b, 0]);
        File.SetLastWriteTimeUtc(dump, stamp.UtcDateTime);
        var snapshot = Directory.CreateDirectory(Path.Combine(backupDir, "media", stamp.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture)));
        Directory.SetLastWriteTimeUtc(snapshot.FullName, stamp.UtcDateTime);
    }

    [Fact]
    public async Task WarnsOnAStaleBackupAndACertificateCloseToExpiry()
    {
        var certificate = Path.Combine(_dir, "fullchain.pem");
        WriteCertificate(certificate, TimeSpan.FromDays(5));
        WriteBackups(Path.Combine(_dir, "backups"), TimeSpan.FromHours(30));
        var (host, log, _) = await HostAsync(("BACKUP_DIR", Path.Combine(_dir, "backups")), ("TLS_CERT_PATH", certificate));
        using var _ = host;

        await using (var scope = host.Services.CreateAsyncScope())
        {
            var jobs = scope.ServiceProvider.GetRequiredService<MaintenanceJobs>();
            await jobs.WarnOnStaleBackupsAsync();
            await jobs.WarnOnCertificateExpiryAsync();
        }

        var warnings = log.Lines.Where(l => l.Category == "viatique.ops" && l.Level == LogLevel.Warning).Select(l => l.Message).ToList();
        Assert.Contains(warnings, w => w.Contains("database dump", StringComparison.Ordinal) && w.Contains("30 hours", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("media snapshot", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("expires in 4 days", StringComparison.Ordinal) || w.Contains("expires in 5 days", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SaysNothingWhenBackupsAreFreshAndTheCertificateHasTime()
    {
        var certificate = Path.Combine(_dir, "fullchain.pem");
        WriteCertificate(certificate, TimeSpan.FromDays(60));
        WriteBackups(Path.Combine(_dir, "backups"), TimeSpan.FromHours(2));
        var (host, log, _) = await HostAsync(("BACKUP_DIR", Path.Combine(_dir, "backups")), ("TLS_CERT_PATH", certificate));
        using var _ = host;

        await using (var scope = host.Services.CreateAsyncScope())
        {
            var jobs = scope.ServiceProvider.GetRequiredService<MaintenanceJobs>();
            await jobs.WarnOnStaleBackupsAsync();
            await jobs.WarnOnCertificateExpiryAsync();
        }

        Assert.DoesNotContain(log.Lines, l => l.Category == "viatique.ops" && l.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task WarnsWhenThereIsNoBackupAtAll()
    {
        var (host, log, _) = await HostAsync(("BACKUP_DIR", Path.Combine(_dir, "empty")));
        using var _ = host;

        await using (var scope = host.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<MaintenanceJobs>().WarnOnStaleBackupsAsync();
        }

        Assert.Equal(2, log.Lines.Count(l => l.Category == "viatique.ops" && l.Level == LogLevel.Warning && l.Message.StartsWith("No ", StringComparison.Ordinal)));
    }
}
