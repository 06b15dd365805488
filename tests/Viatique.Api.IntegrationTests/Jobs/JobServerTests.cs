using System.Text.RegularExpressions;
using Hangfire;
using Viatique.Api.IntegrationTests.Infrastructure;
using Viatique.Api.Jobs;

namespace Viatique.Api.IntegrationTests.Jobs;

/// <summary>Workers and schedulers as real processes sharing the real Redis.</summary>
public partial class JobServerTests(PostgresServer postgres, RedisServer redis)
{
    async Task<Dictionary<string, string>> EnvAsync(string prefix, int redisDatabase)
    {
        var database = await postgres.CreateDatabaseAsync(prefix);
        var env = TestEnv.Production(postgres, database, redis, ("CELERY_BROKER_URL", redis.Url(redisDatabase)));
        var migrate = await AppProcess.RunAsync(env, "migrate");
        Assert.True(migrate.ExitCode == 0, migrate.Stdout + migrate.Stderr);
        return env;
    }

    static int[] ListeningSocketsOf(int pid) =>
        [.. Directory.GetFiles($"/proc/{pid}/fd").Select(fd => new FileInfo(fd).LinkTarget ?? "")
            .Where(target => target.StartsWith("socket:[", StringComparison.Ordinal))
            .Select(target => int.Parse(target[8..^1], System.Globalization.CultureInfo.InvariantCulture))
            .Where(inode => ListeningInodes().Contains(inode))];

    /// <summary>Inodes of sockets in LISTEN state (st 0A), IPv4 and IPv6.</summary>
    static HashSet<int> ListeningInodes() =>
        [.. new[] { "/proc/net/tcp", "/proc/net/tcp6" }.SelectMany(File.ReadLines).Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length > 9 && fields[3] == "0A")
            .Select(fields => int.Parse(fields[9], System.Globalization.CultureInfo.InvariantCulture))];

    [Fact]
    public async Task WorkerAndSchedulerNeverListenAndHealthcheckFollowsTheWorkerHeartbeat()
    {
        var env = await EnvAsync("roles", 4);
        await using var worker = JobRoles.Start(env, "worker");
        await using var scheduler = JobRoles.Start(env, "scheduler");
        await Eventually.TrueAsync(() => worker.Stdout.Contains("all the dispatchers started", StringComparison.Ordinal)
            && scheduler.Stdout.Contains("all the dispatchers started", StringComparison.Ordinal), seconds: 60);

        Assert.Empty(ListeningSocketsOf(worker.Pid));
        Assert.Empty(ListeningSocketsOf(scheduler.Pid));
        Assert.False(Ports.Accepts(worker.Port));

        var workerTmp = TmpOf(worker);
        var healthEnv = new Dictionary<string, string>(env) { ["TMPDIR"] = workerTmp };
        var healthy = await AppProcess.RunAsync(healthEnv, "healthcheck --role worker");
        Assert.True(healthy.ExitCode == 0, healthy.Stdout + healthy.Stderr);
        var schedulerHealth = await AppProcess.RunAsync(new Dictionary<string, string>(env) { ["TMPDIR"] = TmpOf(scheduler) }, "healthcheck --role scheduler");
        Assert.True(schedulerHealth.ExitCode == 0, schedulerHealth.Stdout + schedulerHealth.Stderr);

        worker.Signal("KILL");
        await worker.WaitForExitAsync();
        var started = DateTime.UtcNow;
        int exitCode;
        do
        {
            await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
            exitCode = (await AppProcess.RunAsync(healthEnv, "healthcheck --role worker")).ExitCode;
        }
        while (exitCode == 0 && DateTime.UtcNow - started < TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, exitCode);
        Assert.True(DateTime.UtcNow - started < JobTimings.ServerTimeout + TimeSpan.FromSeconds(15), "healthcheck noticed the dead worker too late");
    }

    /// <summary>The TMPDIR JobRoles gave the process, read back from its environment.</summary>
    static string TmpOf(AppProcess process) =>
        File.ReadAllText($"/proc/{process.Pid}/environ").Split('\0').Single(v => v.StartsWith("TMPDIR=", StringComparison.Ordinal))["TMPDIR=".Length..];

    [Fact]
    public async Task AJobWhoseWorkerIsKilledIsRunAgainByAnotherWorker()
    {
        var env = await EnvAsync("killed", 5);
        await using var first = JobRoles.Start(env, "worker");
        await using var second = JobRoles.Start(env, "worker");
        await Eventually.TrueAsync(() => first.Stdout.Contains("all the dispatchers started", StringComparison.Ordinal)
            && second.Stdout.Contains("all the dispatchers started", StringComparison.Ordinal), seconds: 60);

        var (storage, connection) = JobRoles.Storage(redis, 5);
        using var _ = connection;
        JobRoles.ConfigureSerializer();
        JobRoles.Client(storage).Enqueue<ProbeJob>(job => job.RunAsync("slow-one", 30, CancellationToken.None));

        await Eventually.TrueAsync(() => first.Stdout.Contains("Probe job slow-one started", StringComparison.Ordinal)
            || second.Stdout.Contains("Probe job slow-one started", StringComparison.Ordinal), seconds: 30);
        var (victim, survivor) = first.Stdout.Contains("Probe job slow-one started", StringComparison.Ordinal) ? (first, second) : (second, first);
        victim.Signal("KILL");

        // The dead server is dropped after ServerTimeout; the fetched-jobs watcher then requeues its job.
        await Eventually.TrueAsync(() => survivor.Stdout.Contains("Probe job slow-one finished", StringComparison.Ordinal), seconds: 180);
    }

    [Fact]
    public async Task SigtermLetsARunningJobFinishThenExitsZero()
    {
        var env = await EnvAsync("sigterm", 14);
        await using var worker = JobRoles.Start(env, "worker");
        await Eventually.TrueAsync(() => worker.Stdout.Contains("all the dispatchers started", StringComparison.Ordinal), seconds: 60);
        var (storage, connection) = JobRoles.Storage(redis, 14);
        using var _ = connection;
        JobRoles.ConfigureSerializer();
        JobRoles.Client(storage).Enqueue<ProbeJob>(job => job.RunAsync("graceful", 8, CancellationToken.None));
        await Eventually.TrueAsync(() => worker.Stdout.Contains("Probe job graceful started", StringComparison.Ordinal), seconds: 30);

        worker.Signal("TERM");

        Assert.Equal(0, await worker.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Probe job graceful finished", worker.Stdout);
    }

    [Fact]
    public async Task TwoSchedulersAndTwoWorkersRunARecurringJobOncePerTick()
    {
        var env = await EnvAsync("ticks", 6);
        var (storage, connection) = JobRoles.Storage(redis, 6);
        using var _ = connection;
        JobRoles.ConfigureSerializer();
        await using var schedulerA = JobRoles.Start(env, "scheduler");
        await using var schedulerB = JobRoles.Start(env, "scheduler");
        await using var workerA = JobRoles.Start(env, "worker");
        await using var workerB = JobRoles.Start(env, "worker");
        AppProcess[] all = [schedulerA, schedulerB, workerA, workerB];
        await Eventually.TrueAsync(() => all.All(p => p.Stdout.Contains("all the dispatchers started", StringComparison.Ordinal)), seconds: 90);

        // Every 4 seconds, written to the storage the schedulers share.
        new RecurringJobManager(storage).AddOrUpdate<ProbeJob>("test-tick", job => job.RunAsync("tick", 0, CancellationToken.None), "*/4 * * * * *");
        var observed = TimeSpan.FromSeconds(24);
        await Task.Delay(observed, TestContext.Current.CancellationToken);
        new RecurringJobManager(storage).RemoveIfExists("test-tick");

        var runs = Regex.Matches(workerA.Stdout + "\n" + workerB.Stdout, "Probe job tick started").Count;
        var ticks = (int)(observed.TotalSeconds / 4);
        Assert.InRange(runs, ticks - 2, ticks + 1);
        Assert.DoesNotContain("Probe job tick started", schedulerA.Stdout + schedulerB.Stdout);
    }
}
