using System.Net;
using System.Text.Json;
using Hangfire;
using Hangfire.Redis.StackExchange;
using StackExchange.Redis;
using Viatique.Api.Jobs;

namespace Viatique.Kubernetes.Tests.Container;

/// <summary>
/// The acceptance of the manifests on the real container: started with the pods' security
/// settings, mounts, secrets and limits, each role passes the probes the manifests declare
/// (read from the rendered overlay, not repeated here), the web role serves and a worker runs a job.
/// </summary>
public class PodContainerTests(PodsOnDocker pods) : IClassFixture<PodsOnDocker>
{
    public static TheoryData<string> Roles() => new("web", "worker", "scheduler");

    [Fact]
    public void TheMigrateJobCompletesUnderThePodsRestrictions() =>
        Assert.True(pods.Migration.ExitCode == 0, $"migrate exited {pods.Migration.ExitCode}:\n{pods.Migration.Logs}");

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task EachRolePassesItsStartupProbeWithinTheDeclaredWindow(string role)
    {
        Assert.True(pods.Migration.ExitCode == 0, "the migrate Job failed, so no role was started");
        var outcome = Assert.Contains(role, pods.Startup);

        Assert.True(outcome.Passed, $"{role}: startup probe never passed ({outcome.Detail}) after {outcome.After.TotalSeconds:0} s:\n{await pods.Role(role).LogsAsync()}");
        TestContext.Current.SendDiagnosticMessage($"{role}: startup probe passed after {outcome.After.TotalSeconds:0} s");
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task EachRolePassesItsLivenessAndReadinessProbes(string role)
    {
        Assert.True(pods.Startup.TryGetValue(role, out var startup) && startup.Passed, $"{role} did not start");
        var container = pods.Role(role);

        var probes = new[] { container.Spec.LivenessProbe, container.Spec.ReadinessProbe }.Where(p => p is not null).ToList();

        Assert.NotEmpty(probes);
        foreach (var probe in probes)
        {
            var outcome = await container.ProbeOnceAsync(probe);
            Assert.True(outcome.Passed, $"{role}: {outcome.Detail}");
        }
    }

    [Fact]
    public async Task TheWebRoleServesHealthWithItsDependenciesAndAppliesTheOverlaysHostAndHttpsRules()
    {
        Assert.True(pods.Startup.TryGetValue("web", out var startup) && startup.Passed, "web did not start");
        var web = pods.Role("web");
        var port = Assert.Single(web.Spec.Ports).ContainerPort;
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://{web.Address}:{port}") };

        using var health = await client.GetAsync(web.Spec.ReadinessProbe.HttpGet.Path, TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("connected", body.GetProperty("database").GetString());
        Assert.Equal("connected", body.GetProperty("redis").GetString());

        // The test is not the Gateway (not in TRUSTED_PROXIES): plain HTTP to an allowed host is sent to HTTPS.
        var host = pods.Overlay.Config.Data["ALLOWED_HOSTS"].Split(',')[0];
        using var api = new HttpRequestMessage(HttpMethod.Get, "/api/auth/csrf/") { Headers = { Host = host } };
        using var redirect = await client.SendAsync(api, TestContext.Current.CancellationToken);
        Assert.Contains((int)redirect.StatusCode, new[] { 301, 308 });
        Assert.Equal($"https://{host}/api/auth/csrf/", redirect.Headers.Location?.ToString());

        using var stranger = new HttpRequestMessage(HttpMethod.Get, "/api/auth/csrf/") { Headers = { Host = "not-ours.example.net" } };
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(stranger, TestContext.Current.CancellationToken)).StatusCode);
    }

    [Theory]
    [InlineData("web")]
    [InlineData("worker")]
    public async Task EachRoleStopsCleanlyOnSigtermWithinItsGracePeriod(string role)
    {
        var pod = await pods.StartAnotherAsync(role);
        var startup = await pod.WaitUntilPassesAsync(pod.Spec.StartupProbe);
        Assert.True(startup.Passed, $"{role}: {startup.Detail}");
        // In Kubernetes the preStop pause is spent before SIGTERM, inside the same grace period.
        var grace = (pod.Pod.TerminationGracePeriodSeconds ?? 30) - (pod.Spec.Lifecycle?.PreStop?.Sleep?.Seconds ?? 0);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        (await Deploy.Tests.Infrastructure.Command.RunAsync("docker", ["stop", "--time", grace.ToString(System.Globalization.CultureInfo.InvariantCulture), pod.Name], TimeSpan.FromSeconds(grace + 30))).Check();
        var exit = await Deploy.Tests.Infrastructure.Command.DockerAsync("inspect", "--format", "{{.State.ExitCode}}", pod.Name);

        Assert.True(exit == "0", $"{role} exited {exit} after SIGTERM (137 = killed when the grace period ran out):\n{await pod.LogsAsync()}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(grace), $"{role} took {clock.Elapsed.TotalSeconds:0} s of its {grace} s");
    }

    [Fact]
    public async Task AWorkerRunsAJobEnqueuedInTheSharedRedis()
    {
        Assert.True(pods.Startup.TryGetValue("worker", out var startup) && startup.Passed, "worker did not start");
        var worker = pods.Role("worker");
        var label = "k8s-" + Guid.NewGuid().ToString("N")[..8];

        using (var redis = await ConnectionMultiplexer.ConnectAsync($"{pods.RedisAddress}:6379,password={PodsOnDocker.RedisPasswordForTests},defaultDatabase=0"))
        {
            GlobalConfiguration.Configuration.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer().UseRecommendedSerializerSettings();
            var storage = new RedisStorage(redis, new RedisStorageOptions { Db = 0, Prefix = JobsExtensions.RedisPrefix });
            new BackgroundJobClient(storage).Enqueue<ProbeJob>(job => job.RunAsync(label, 0, CancellationToken.None));

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!(await worker.LogsAsync()).Contains($"Probe job {label} finished", StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, $"the worker did not run the job within 60 s:\n{await worker.LogsAsync()}");
                await Task.Delay(500, TestContext.Current.CancellationToken);
            }
        }
        Assert.DoesNotContain($"Probe job {label}", await pods.Role("scheduler").LogsAsync(), StringComparison.Ordinal);
    }
}
