using System.Security.Cryptography;
using k8s.Models;
using Viatique.Deploy.Tests.Infrastructure;
using Viatique.Kubernetes.Tests.Infrastructure;

namespace Viatique.Kubernetes.Tests.Container;

/// <summary>
/// The production overlay's pods on Docker, with the application image Viatique.Deploy.Tests
/// builds (the overlay's registry is not reachable here; the image is the same Dockerfile's):
/// PostgreSQL and Redis stand-ins on a private network, the Secret as files, the migrate Job run to
/// completion first (as the README's rollout does), then web, worker and scheduler, each until
/// its startup probe passes. Disposing removes every container, the network and the files.
/// </summary>
public sealed class PodsOnDocker : IAsyncLifetime
{
    const string DatabasePassword = "k8s-proof-db-pw";
    const string RedisPassword = "k8s-proof-redis-pw";

    readonly DockerScratch _scratch = new("viatique-k8s");
    readonly Dictionary<string, PodContainer> _roles = [];
    Dictionary<string, string> _volumes = [];

    public DockerImages Images { get; } = new();

    public Overlay Overlay => Overlay.Production;

    /// <summary>The migrate Job's exit code and output.</summary>
    public (int ExitCode, string Logs) Migration { get; private set; }

    /// <summary>How each role's startup probe ended.</summary>
    public Dictionary<string, ProbeOutcome> Startup { get; } = [];

    public string RedisAddress { get; private set; } = "";

    public static string RedisPasswordForTests => RedisPassword;

    public PodContainer Role(string component) => _roles[component];

    public async ValueTask InitializeAsync()
    {
        await Images.InitializeAsync();
        await _scratch.CreateNetworkAsync();
        await StartServiceAsync("db", ["--env", "POSTGRES_USER=viatique", "--env", $"POSTGRES_PASSWORD={DatabasePassword}",
            "--env", "POSTGRES_DB=viatique", DockerImages.Postgres]);
        await StartServiceAsync("redis", [DockerImages.Redis, "redis-server", "--requirepass", RedisPassword, "--appendonly", "no"]);
        RedisAddress = await Command.DockerAsync("inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", $"{_scratch.Network}-redis");

        var secrets = await SecretFilesAsync();
        var media = _scratch.NewDirectory();
        (await Command.RunAsync("chown", ["1000:1000", media], TimeSpan.FromSeconds(10))).Check();
        var volumes = _volumes = new Dictionary<string, string> { ["secrets"] = secrets, ["media"] = media };

        var job = Overlay.Single<V1Job>("viatique-migrate");
        var migrate = await StartAsync("migrate", job.Spec.Template.Spec, volumes);
        var deadline = TimeSpan.FromSeconds(job.Spec.ActiveDeadlineSeconds ?? 600);
        var exit = (await Command.RunAsync("docker", ["wait", migrate.Name], deadline)).Check().Output.Trim();
        Migration = (int.Parse(exit, System.Globalization.CultureInfo.InvariantCulture), await migrate.LogsAsync());
        if (Migration.ExitCode != 0)
        {
            return;
        }

        foreach (var component in new[] { "web", "worker", "scheduler" })
        {
            var deployment = Overlay.Single<V1Deployment>("viatique-" + component);
            _roles[component] = await StartAsync(component, deployment.Spec.Template.Spec, volumes);
        }
        // The kubelet probes every pod at once; so does this.
        var outcomes = await Task.WhenAll(_roles.Select(async r => (r.Key, await r.Value.WaitUntilPassesAsync(r.Value.Spec.StartupProbe))));
        foreach (var (component, outcome) in outcomes)
        {
            Startup[component] = outcome;
        }
    }

    /// <summary>Another pod of a role's Deployment, for a test that stops it.</summary>
    public async Task<PodContainer> StartAnotherAsync(string component)
    {
        var deployment = Overlay.Single<V1Deployment>("viatique-" + component);
        return await StartAsync($"{component}-{Guid.NewGuid().ToString("N")[..6]}", deployment.Spec.Template.Spec, _volumes, component);
    }

    public ValueTask DisposeAsync() => _scratch.DisposeAsync();

    async Task StartServiceAsync(string alias, string[] imageAndArgs)
    {
        var name = _scratch.ContainerName(alias);
        await Command.DockerAsync(["run", "--detach", "--name", name, "--network", _scratch.Network, "--network-alias", alias, "--label", _scratch.Label, .. imageAndArgs]);
    }

    /// <summary>The pod's container named like its role (the web pod's media sidecar has a test of its own).</summary>
    async Task<PodContainer> StartAsync(string component, V1PodSpec pod, IReadOnlyDictionary<string, string> volumes, string? containerName = null)
    {
        var container = pod.Containers.Single(c => c.Name == (containerName ?? component));
        var env = new Dictionary<string, string>();
        foreach (var source in container.EnvFrom ?? [])
        {
            foreach (var (key, value) in Overlay.Single<V1ConfigMap>(source.ConfigMapRef.Name).Data)
            {
                env[key] = value;
            }
        }
        foreach (var variable in container.Env ?? [])
        {
            env[variable.Name] = variable.Value;
        }
        return await PodContainer.StartAsync(pod, container, Images.AppImage, _scratch.ContainerName(component), _scratch.Network, env, volumes, _scratch.Label);
    }

    /// <summary>The viatique-secrets Secret as the kubelet projects it: one file per key, the volume's mode, group fsGroup.</summary>
    async Task<string> SecretFilesAsync()
    {
        var web = Overlay.Single<V1Deployment>("viatique-web").Spec.Template.Spec;
        var volume = web.Volumes.Single(v => v.Secret is not null).Secret;
        var directory = _scratch.NewDirectory();
        var values = new Dictionary<string, string>
        {
            ["SECRET_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)),
            ["SECRET_KEY_FALLBACKS"] = "",
            ["DATABASE_URL"] = $"postgresql://viatique:{DatabasePassword}@db:5432/viatique",
            ["CELERY_BROKER_URL"] = $"redis://:{RedisPassword}@redis:6379/0",
            ["EMAIL_HOST_PASSWORD"] = "",
            ["METRICS_TOKEN"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)),
        };
        var mode = Convert.ToString(volume.DefaultMode ?? 420, 8);
        (await Command.RunAsync("chmod", ["0755", directory], TimeSpan.FromSeconds(10))).Check();
        foreach (var path in Overlay.Config.Data.Where(e => e.Key.EndsWith("_FILE", StringComparison.Ordinal)).Select(e => e.Value))
        {
            var file = Path.Combine(directory, Path.GetFileName(path));
            File.WriteAllText(file, values[Path.GetFileName(path)] + "\n");
            (await Command.RunAsync("chmod", [mode, file], TimeSpan.FromSeconds(10))).Check();
            (await Command.RunAsync("chown", [$"0:{web.SecurityContext.FsGroup}", file], TimeSpan.FromSeconds(10))).Check();
        }
        return directory;
    }
}
