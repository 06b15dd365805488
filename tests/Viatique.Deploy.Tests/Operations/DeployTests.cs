using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Viatique.Deploy.Tests.Infrastructure;

namespace Viatique.Deploy.Tests.Operations;

/// <summary>docker/deploy.sh on the real compose stack: a rolling upgrade nobody notices, and a broken release rolled back.</summary>
public sealed class DeployTests(DeployStack deploy) : IClassFixture<DeployStack>
{
    ComposeStack Stack => deploy.Stack;

    /// <summary>
    /// A client polling /health/ (10 per second) and an API endpoint (4 per second, under the
    /// /api/ rate limit) through nginx until stopped; every answer that is not 200 is a failure.
    /// </summary>
    sealed class Poller : IAsyncDisposable
    {
        readonly CancellationTokenSource _stop = new();
        readonly Task _health;
        readonly Task _api;
        public ConcurrentQueue<string> Failures { get; } = new();
        public int Requests;

        public Poller(ComposeStack stack)
        {
            _health = LoopAsync(stack, "/health/", TimeSpan.FromMilliseconds(100));
            _api = LoopAsync(stack, "/api/auth/csrf/", TimeSpan.FromMilliseconds(250));
        }

        async Task LoopAsync(ComposeStack stack, string path, TimeSpan pause)
        {
            using var client = stack.CreateClient();
            var clock = Stopwatch.StartNew();
            // Bounded: at most 15 minutes, whatever happens to the deployment.
            while (!_stop.IsCancellationRequested && clock.Elapsed < TimeSpan.FromMinutes(15))
            {
                try
                {
                    using var response = await client.GetAsync(path, _stop.Token);
                    Interlocked.Increment(ref Requests);
                    if ((int)response.StatusCode != 200)
                    {
                        Failures.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {path} {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref Requests);
                    Failures.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {path} {e.GetType().Name}: {e.Message}");
                }
                await Task.Delay(pause, CancellationToken.None);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_health, _api);
            _stop.Dispose();
        }
    }

    async Task EnsureRunningAsync(string release)
    {
        var wanted = await ImageIdOf(release);
        if ((await deploy.RunningImagesAsync("backend")).All(id => id == wanted))
        {
            return;
        }
        var result = await deploy.DeployAsync(release);
        Assert.True(result.ExitCode == 0, $"deploying {release} first failed:\n{result.Error}");
    }

    static async Task<string> ImageIdOf(string release)
    {
        try
        {
            return await DeployStack.ImageIdAsync($"{DockerImages.AppRepository}:{release}");
        }
        catch (InvalidOperationException)
        {
            return "(not built yet)";
        }
    }

    /// <summary>
    /// The scenarios share one stack and build on each other (A, then B over it, then C over B),
    /// so one test runs them in that order: xUnit's own order of test cases is not declaration order.
    /// </summary>
    [Fact]
    public async Task BackupsThenUpgradeAToBThenRollbackFromC()
    {
        await BackupsFindTheDatabaseAndTheMediaVolumeThroughCompose();
        await UpgradesAToBOneReplicaAtATimeWithoutAFailedRequest();
        await AReleaseWhoseBackendNeverBecomesHealthyIsRolledBackAndThePreviousOneServesAgain();
    }

    async Task BackupsFindTheDatabaseAndTheMediaVolumeThroughCompose()
    {
        var probe = $"probe-{Guid.NewGuid():N}.txt";
        // Whichever backend replica runs now (after a rolling restart there is no backend_1 for `compose exec`).
        var backend = (await Stack.ContainersAsync("backend")).First();
        await Command.DockerAsync("exec", backend, "sh", "-c", $"echo uploaded > /app/media/{probe}");

        var media = await deploy.ScriptAsync("backup_media.sh");
        var database = await deploy.ScriptAsync("backup.sh", "--verify");
        var drill = await deploy.ScriptAsync("restore.sh", "--verify", "latest");

        Assert.True(media.ExitCode == 0, media.Transcript);
        var snapshot = Directory.GetDirectories(Path.Combine(deploy.Backups, "media")).Order(StringComparer.Ordinal).Last();
        Assert.Equal("uploaded\n", File.ReadAllText(Path.Combine(snapshot, probe)));
        Assert.True(database.ExitCode == 0, database.Transcript);
        Assert.Contains("dumping database viatique (compose)", database.Error);
        Assert.Contains("the same counts in the dump and in viatique_verify_", database.Error);
        Assert.True(drill.ExitCode == 0, drill.Transcript);
        Assert.Contains("passed the restore drill", drill.Error);
    }

    async Task UpgradesAToBOneReplicaAtATimeWithoutAFailedRequest()
    {
        var releaseA = await DeployStack.ImageIdAsync(deploy.Images.AppImage);
        Assert.All(await deploy.RunningImagesAsync("backend"), id => Assert.Equal(releaseA, id));
        var dumpsBefore = Directory.GetFiles(Path.Combine(deploy.Backups, "db")).Length;

        CommandResult result;
        var clock = Stopwatch.StartNew();
        var poller = new Poller(Stack);
        await using (poller)
        {
            result = await deploy.DeployAsync(deploy.ReleaseB);
        }
        Console.WriteLine($"[DeployTests] A -> B in {clock.Elapsed.TotalSeconds:0} s, {poller.Requests} requests through nginx meanwhile\n{result.Error}");

        Assert.True(result.ExitCode == 0, result.Transcript);
        Assert.Empty(poller.Failures);
        Assert.True(poller.Requests > 100, $"only {poller.Requests} requests were made during the deployment");
        var releaseB = await DeployStack.ImageIdAsync($"{DockerImages.AppRepository}:{deploy.ReleaseB}");
        var running = await deploy.RunningImagesAsync("backend");
        Assert.Equal(DeployStack.Replicas, running.Length);
        Assert.All(running, id => Assert.Equal(releaseB, id));
        foreach (var background in new[] { "worker", "scheduler" })
        {
            Assert.Equal([releaseB], await deploy.RunningImagesAsync(background));
        }
        Assert.Equal(releaseB, await DeployStack.ImageIdAsync($"{DockerImages.AppRepository}:latest"));
        // One replica at a time: each new one healthy before an old one stops, in the script's own log.
        var log = result.Error;
        // Started, healthy, one old one removed; then the next: never two at once.
        var events = string.Concat(Regex.Matches(log, @"_backend_\d+ (?:on \S+; waiting|is healthy$|stopped and removed)", RegexOptions.Multiline)
            .Select(m => m.Value.Contains("waiting", StringComparison.Ordinal) ? 'S' : m.Value.EndsWith("healthy", StringComparison.Ordinal) ? 'H' : 'R'));
        Assert.Equal(string.Concat(Enumerable.Repeat("SHR", DeployStack.Replicas)), events);
        // The checklist's report is in the deployment's log, with the script's own lines.
        Assert.Matches(@"System check identified (no issues|0 errors)", log);
        // Steps in the rulebook's order, each timed; the backups were taken through compose.
        Assert.Matches(@"(?s)1 check --deploy: ok in .*2 backups: ok in .*3 build: ok in .*4 migrate: ok in .*5 backend: ok in .*6 worker,scheduler: ok in .*7 nginx reload: ok in .*8 public health: ok in", log);
        Assert.Equal(dumpsBefore + 1, Directory.GetFiles(Path.Combine(deploy.Backups, "db")).Length);
    }

    async Task AReleaseWhoseBackendNeverBecomesHealthyIsRolledBackAndThePreviousOneServesAgain()
    {
        await EnsureRunningAsync(deploy.ReleaseB);
        var releaseB = await DeployStack.ImageIdAsync($"{DockerImages.AppRepository}:{deploy.ReleaseB}");

        CommandResult result;
        var clock = Stopwatch.StartNew();
        var poller = new Poller(Stack);
        await using (poller)
        {
            result = await deploy.DeployAsync(deploy.ReleaseC);
        }
        Console.WriteLine($"[DeployTests] B -> C -> rolled back to B in {clock.Elapsed.TotalSeconds:0} s, {poller.Requests} requests through nginx meanwhile\n{result.Error}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is not healthy after 60 s", result.Error);
        Assert.Contains($"FAILED at step 5 backend and ROLLED BACK to {DockerImages.AppRepository}:{deploy.ReleaseB}", result.Error);
        var running = await deploy.RunningImagesAsync("backend");
        Assert.Equal(DeployStack.Replicas, running.Length);
        Assert.All(running, id => Assert.Equal(releaseB, id));
        Assert.Equal([releaseB], await deploy.RunningImagesAsync("worker"));
        Assert.Equal(releaseB, await DeployStack.ImageIdAsync($"{DockerImages.AppRepository}:latest"));
        Assert.Empty(poller.Failures);
        using var client = Stack.CreateClient();
        using var health = await client.GetAsync("/health/", TestContext.Current.CancellationToken);
        Assert.Equal(200, (int)health.StatusCode);
    }

}
