using Hangfire;
using Viatique.Api.IntegrationTests.Infrastructure;
using Viatique.Api.Jobs;

namespace Viatique.Api.IntegrationTests.Jobs;

/// <summary>
/// The container contract of the background roles, without a container runtime: a private mount
/// namespace where every filesystem is read-only but a fresh /tmp, and uid/gid 1000.
/// </summary>
public class ReadOnlyRootTests(PostgresServer postgres, RedisServer redis)
{
    /// <summary>
    /// Every mount read-only, then a fresh /tmp. A checkout under /tmp (a CI clone may be there)
    /// would vanish under the new /tmp: the app's directory, held as the working directory across
    /// the mount, is bound back at its path, read-only too.
    /// </summary>
    static string RemountEverythingReadOnly()
    {
        var app = Quoted([Path.GetDirectoryName(Repo.AppDll)!]);
        return "for m in $(awk '{print $2}' /proc/self/mounts | grep -vE '^/(proc|sys|dev)'); do mount -o remount,bind,ro \"$m\" 2>/dev/null; done; " +
            $"cd {app} && mount -t tmpfs -o mode=1777 tmpfs /tmp && " +
            $"if [ ! -e {app} ]; then mkdir -p {app} && mount --no-canonicalize --bind . {app} && mount -o remount,bind,ro {app}; fi && cd /";
    }

    /// <summary><c>setpriv … env -i K=V … dotnet app ARGS</c>: uid 1000 and exactly <paramref name="env"/>.</summary>
    static string[] AsUid1000(Dictionary<string, string> env, params string[] args) =>
        ["setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", "--", "env", "-i", "PATH=/usr/bin:/bin", "HOME=/tmp",
         .. env.Select(e => $"{e.Key}={e.Value}"), Repo.Dotnet, Repo.AppDll, .. args];

    static string Quoted(IEnumerable<string> words) => string.Join(' ', words.Select(w => "'" + w.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));

    /// <summary>Starts a role in its sandbox; the PID is the role's own (unshare, sh, setpriv and env all exec).</summary>
    static ServerProcess StartSandboxed(Dictionary<string, string> env, string role) =>
        new("unshare", ["--mount", "--propagation", "private", "sh", "-c", $"{RemountEverythingReadOnly()} && exec {Quoted(AsUid1000(env, role))}"]);

    /// <summary>Runs <c>healthcheck</c> inside the role's own mount namespace, as its container's HEALTHCHECK would.</summary>
    static async Task<int> HealthcheckInsideAsync(int pid, Dictionary<string, string> env, string role)
    {
        using var process = new ServerProcess("nsenter", ["--target", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--mount", "--", .. AsUid1000(env, "healthcheck", "--role", role)]);
        await Eventually.TrueAsync(() => process.HasExited, seconds: 30);
        return process.Output.Contains("healthy: job server", StringComparison.Ordinal) && !process.Output.Contains("unhealthy", StringComparison.Ordinal) ? 0 : 1;
    }

    /// <summary>Waits for <paramref name="condition"/>; when it never holds, fails with both roles' output.</summary>
    static async Task UntilAsync(Func<bool> condition, double seconds, ServerProcess worker, ServerProcess scheduler)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"condition not met in {seconds} s\n--- worker:\n{worker.Output}\n--- scheduler:\n{scheduler.Output}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task WorkerAndSchedulerRunOnAReadOnlyRootAsUid1000()
    {
        var database = await postgres.CreateDatabaseAsync("readonly");
        var env = TestEnv.Production(postgres, database, redis, ("CELERY_BROKER_URL", redis.Url(13)));
        Assert.Equal(0, (await AppProcess.RunAsync(env, "migrate")).ExitCode);

        using var worker = StartSandboxed(env, "worker");
        using var scheduler = StartSandboxed(env, "scheduler");
        await UntilAsync(() => worker.Output.Contains("all the dispatchers started", StringComparison.Ordinal), 60, worker, scheduler);
        await UntilAsync(() => scheduler.Output.Contains("Recurring jobs registered", StringComparison.Ordinal), 60, worker, scheduler);
        Assert.Equal("1000", File.ReadLines($"/proc/{worker.Pid}/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t')[1]);

        var (storage, connection) = JobRoles.Storage(redis, 13);
        using var _ = connection;
        JobRoles.ConfigureSerializer();
        JobRoles.Client(storage).Enqueue<ProbeJob>(job => job.RunAsync("read-only", 0, CancellationToken.None));
        await UntilAsync(() => worker.Output.Contains("Probe job read-only finished", StringComparison.Ordinal), 60, worker, scheduler);

        Assert.Equal(0, await HealthcheckInsideAsync(worker.Pid, env, "worker"));
        Assert.Equal(0, await HealthcheckInsideAsync(scheduler.Pid, env, "scheduler"));
        Assert.DoesNotContain("Read-only file system", worker.Output + scheduler.Output);
        Assert.DoesNotContain("\"levelname\":\"CRITICAL\"", worker.Output + scheduler.Output);
    }
}
