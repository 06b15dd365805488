using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Commands;

public class MigrateTests(PostgresServer postgres, RedisServer redis)
{
    [Fact]
    public async Task ThreeConcurrentRunsOnAnEmptyDatabaseAllSucceed()
    {
        var database = await postgres.CreateDatabaseAsync("concurrent");
        var env = TestEnv.Production(postgres, database, redis);

        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => AppProcess.RunAsync(env, "migrate --timeout 30")));

        Assert.All(runs, r => Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}:\n{r.Stdout}\n{r.Stderr}"));
        Assert.Equal(3L, await postgres.ScalarAsync(database, "SELECT count(*) FROM \"__EFMigrationsHistory\""));
        Assert.Equal(3L, await postgres.ScalarAsync(database,
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'secret_key_sightings' AND column_name IN ('fingerprint','first_seen','last_seen')"));
        Assert.Equal(4L, await postgres.ScalarAsync(database,
            "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('AspNetUsers','user_sessions','media_files','data_protection_keys')"));
        // Exactly one run applied the migration; the others waited for the lock and found nothing to do.
        Assert.Equal(1, runs.Count(r => r.Stdout.Contains("Applied migration", StringComparison.Ordinal)));
        // And the shared key ring got exactly one first key, so replicas starting next all use it
        // (each creating its own would make one replica's CSRF tokens and cookies unreadable on the others).
        Assert.Equal(1L, await postgres.ScalarAsync(database, "SELECT count(*) FROM data_protection_keys"));
        Assert.Equal(1, runs.Count(r => r.Stdout.Contains("Created the first data-protection key", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task GivesUpOnAClosedPortNamingHostAndPortButNotThePassword()
    {
        var port = Ports.Free();
        const string password = "n0t-to-be-pr1nted";
        var env = TestEnv.Production(("DATABASE_URL", $"postgresql://viatique:{password}@127.0.0.1:{port}/viatique"));

        // Long enough for a retry even on a busy machine: the first attempt alone may take seconds.
        var (exitCode, stdout, stderr) = await AppProcess.RunAsync(env, "migrate --timeout 10");

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"127.0.0.1:{port}", stdout);
        Assert.Contains("did not answer within 10 s", stdout);
        Assert.Contains("Waiting for the database", stdout);
        Assert.DoesNotContain(password, stdout + stderr);
    }

    [Fact]
    public async Task WrongCredentialsFailAtOnceInsteadOfWaitingOutTheTimeout()
    {
        var database = await postgres.CreateDatabaseAsync("badcreds");
        var env = TestEnv.Production(("DATABASE_URL", $"postgresql://{PostgresServer.User}:wrong-password@127.0.0.1:{postgres.Port}/{database}"));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (exitCode, stdout, stderr) = await AppProcess.RunAsync(env, "migrate --timeout 60");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("refused the credentials", stdout);
        Assert.DoesNotContain("wrong-password", stdout + stderr);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"gave up after {clock.Elapsed.TotalSeconds:0} s");
    }

    [Fact]
    public async Task WaitingForAnotherMigrationIsBoundedByTheTimeout()
    {
        var database = await postgres.CreateDatabaseAsync("lockwait");
        var env = TestEnv.Production(postgres, database, redis);
        // Another container's migrate holds the lock and never lets go.
        await using var holder = new Npgsql.NpgsqlConnection(postgres.ConnectionString(database));
        await holder.OpenAsync(TestContext.Current.CancellationToken);
        await using (var take = new Npgsql.NpgsqlCommand("SELECT pg_advisory_lock(6217572590824805701)", holder))
        {
            await take.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (exitCode, stdout, _) = await AppProcess.RunAsync(env, "migrate --timeout 10", TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("held the migration lock", stdout);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(40), $"gave up after {clock.Elapsed.TotalSeconds:0} s");
    }

    [Fact]
    public async Task CheckDeployReportsPendingMigrationsUntilMigrated()
    {
        var database = await postgres.CreateDatabaseAsync("deploy");
        var env = TestEnv.Production(postgres, database, redis);

        var before = await AppProcess.RunAsync(env, "check --deploy");
        await AppProcess.RunAsync(env, "migrate");
        var after = await AppProcess.RunAsync(env, "check --deploy");

        Assert.Equal(78, before.ExitCode);
        Assert.Contains("VIQ-E101 DATABASE_URL: 3 migration(s) not applied", before.Stdout);
        // The database items pass once migrated (no certificate or backups exist here: E103/E104 stay).
        Assert.DoesNotContain("VIQ-E100", after.Stdout);
        Assert.DoesNotContain("VIQ-E101", after.Stdout);
        Assert.DoesNotContain("VIQ-E102", after.Stdout);
    }

    [Fact]
    public async Task CheckDeployReportsAnUnreachableRedisByHostAndPortOnly()
    {
        var database = await postgres.CreateDatabaseAsync("deployredis");
        var port = Ports.Free();
        var env = TestEnv.Production(postgres, database, redis, ("CELERY_BROKER_URL", $"redis://:r3dis-s3cret@127.0.0.1:{port}/0"));
        await AppProcess.RunAsync(env, "migrate");

        var (exitCode, stdout, _) = await AppProcess.RunAsync(env, "check --deploy");

        Assert.Equal(78, exitCode);
        Assert.Contains($"VIQ-E102 CELERY_BROKER_URL: Redis at 127.0.0.1:{port} does not answer", stdout);
        Assert.DoesNotContain("r3dis-s3cret", stdout);
    }

    [Fact]
    public async Task CheckDeployReportsAnUnreachableDatabase()
    {
        var env = TestEnv.Production(("DATABASE_URL", $"postgresql://viatique:pw@127.0.0.1:{Ports.Free()}/viatique"));
        var (exitCode, stdout, _) = await AppProcess.RunAsync(env, "check --deploy");

        Assert.Equal(78, exitCode);
        Assert.Contains("VIQ-E100 DATABASE_URL: the database at 127.0.0.1:", stdout);
    }

    [Fact]
    public async Task CheckDeployReportsAFrozenDatabaseOnceAndSkipsTheChecksThatNeedIt()
    {
        // This test freezes its server, so it has its own.
        await using var own = new PostgresServer();
        await own.InitializeAsync();
        var env = TestEnv.Production(own, await own.CreateDatabaseAsync("frozen"), redis);
        await AppProcess.RunAsync(env, "migrate");

        own.Freeze();
        (int ExitCode, string Stdout, string Stderr) result;
        try
        {
            result = await AppProcess.RunAsync(env, "check --deploy", TimeSpan.FromSeconds(120));
        }
        finally
        {
            own.Thaw();
        }

        Assert.Equal(78, result.ExitCode);
        // Npgsql's connect timeout answers for the frozen server, not the checklist's overall limit.
        Assert.Contains("VIQ-E100 DATABASE_URL: the database at 127.0.0.1:", result.Stdout);
        Assert.DoesNotContain("did not finish within", result.Stdout);
        // The two other database checks do not wait on the same frozen server again.
        Assert.Contains("VIQ-E101 (deploy): skipped: no pending migration (needs VIQ-E100, which failed)", result.Stdout);
        Assert.Contains("VIQ-W002 (deploy): skipped: SECRET_KEY younger than 90 days (needs VIQ-E100, which failed)", result.Stdout);
    }

    [Fact]
    public async Task ServeRecordsTheKeyFingerprintAndCheckDeployWarnsWhenItIsOld()
    {
        var database = await postgres.CreateDatabaseAsync("keyage");
        var env = TestEnv.Production(postgres, database, redis);
        await AppProcess.RunAsync(env, "migrate");
        await using (var app = AppProcess.Start(env))
        {
            await app.WaitUntilListeningAsync();
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while ((long)(await postgres.ScalarAsync(database, "SELECT count(*) FROM secret_key_sightings"))! == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
        }
        var fingerprint = (string)(await postgres.ScalarAsync(database, "SELECT fingerprint FROM secret_key_sightings"))!;
        Assert.DoesNotContain(fingerprint, TestEnv.StrongKey);
        Assert.DoesNotContain(TestEnv.StrongKey[..16], fingerprint);

        await postgres.ExecuteAsync(database, "UPDATE secret_key_sightings SET first_seen = now() - interval '120 days'");
        var (exitCode, stdout, _) = await AppProcess.RunAsync(env, "check --deploy");

        Assert.Contains("VIQ-W002 SECRET_KEY: SECRET_KEY has been in use for 120 days", stdout);
        // A warning, not an error: only the certificate and backups this test has none of (E103/E104) fail the check.
        Assert.Equal(78, exitCode);
        Assert.DoesNotContain(stdout.Split('\n'), l => l.StartsWith("VIQ-E", StringComparison.Ordinal) && !l.StartsWith("VIQ-E103", StringComparison.Ordinal) && !l.StartsWith("VIQ-E104", StringComparison.Ordinal));
    }
}
