using System.Diagnostics;
using Viatique.Deploy.Tests.Infrastructure;

namespace Viatique.Deploy.Tests.Operations;

/// <summary>
/// One stack for the deployment scenarios (measured: a stack takes about a minute to come up,
/// a deployment one to two, so the scenarios share it and each starts from whatever release
/// runs). Release A is the image the test run built; B and C are commits in a clone of this
/// repository that change only docker/entrypoint.sh, so their builds reuse A's .NET layers:
/// B is a harmless change, C's web role never becomes healthy. deploy.sh runs from the clone,
/// exactly as an operator runs it from a checkout.
/// </summary>
public sealed class DeployStack(DockerImages images) : IAsyncLifetime
{
    public const int Replicas = 2;
    static readonly TimeSpan DeployTimeout = TimeSpan.FromMinutes(12);

    readonly string _root = Directory.CreateTempSubdirectory("viatique-deploy-").FullName;
    readonly List<string> _tagsBefore = [];

    public ComposeStack Stack { get; private set; } = null!;
    public DockerImages Images => images;
    public string Clone => Path.Combine(_root, "checkout");
    public string Backups => Path.Combine(_root, "backups");
    public string ReleaseB { get; private set; } = "";
    public string ReleaseC { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        _tagsBefore.AddRange(await TagsAsync());
        Stack = await ComposeStack.StartAsync(images, new ComposeStackOptions
        {
            Services = ["db", "redis", "backend", "worker", "scheduler", "certbot", "nginx"],
            BackendReplicas = Replicas,
            Environment = new Dictionary<string, string> { ["TLS_CERT_PATH"] = "/etc/letsencrypt/live/viatique.test/fullchain.pem" },
        });
        Console.WriteLine($"[DeployStack] stack up in {clock.Elapsed.TotalSeconds:0} s");
        await InstallCertificateAsync();
        await MakeReleasesAsync();
        // The checklist wants backups younger than 24 h before any deployment: taken the way cron takes them.
        (await ScriptAsync("backup.sh")).Check();
        (await ScriptAsync("backup_media.sh")).Check();
        Console.WriteLine($"[DeployStack] ready in {clock.Elapsed.TotalSeconds:0} s");
    }

    /// <summary>The environment deploy.sh gets: the stack's compose files and project, plus the test's override with the stand-in build images.</summary>
    public Dictionary<string, string?> Environment()
    {
        var env = new Dictionary<string, string?>(Stack.ComposeEnvironment)
        {
            ["VIATIQUE_TAG"] = null,
            ["DATABASE_URL"] = null,
            ["COMPOSE_PROJECT_NAME"] = Stack.ProjectName,
            ["COMPOSE_FILE"] = string.Join(':', Path.Combine(Clone, ComposeStack.ComposeFile), Stack.OverrideFile, BuildOverride),
            ["BACKUP_DIR"] = Backups,
            ["DEPLOY_URL"] = $"https://{Stack.Domain}:{Stack.HttpsPort}",
            ["DEPLOY_CURL_OPTS"] = $"--resolve {Stack.Domain}:{Stack.HttpsPort}:127.0.0.1 --cacert {CertificateFile}",
            ["DEPLOY_HEALTH_TIMEOUT"] = "60",
            ["DEPLOY_STOP_TIMEOUT"] = "20",
        };
        return env;
    }

    string BuildOverride => Path.Combine(_root, "docker-compose.build.yml");
    string CertificateFile => Path.Combine(_root, "fullchain.pem");

    /// <summary>Checks out <paramref name="revision"/> in the clone and runs docker/deploy.sh there.</summary>
    public async Task<CommandResult> DeployAsync(string revision)
    {
        (await Command.RunAsync("git", ["-C", Clone, "checkout", "--quiet", revision])).Check();
        return await Command.RunAsync(Path.Combine(Clone, "docker", "deploy.sh"), [], DeployTimeout, Environment(), Clone);
    }

    public Task<CommandResult> ScriptAsync(string script, params string[] arguments) =>
        Command.RunAsync(Path.Combine(Clone, "docker", script), arguments, TimeSpan.FromMinutes(5), Environment(), Clone);

    /// <summary>The image ids the running containers of a service use.</summary>
    public async Task<string[]> RunningImagesAsync(string service)
    {
        var ids = new List<string>();
        foreach (var container in await Stack.ContainersAsync(service))
        {
            var state = await Command.DockerAsync("inspect", "-f", "{{.State.Running}} {{.Image}}", container);
            if (state.StartsWith("true ", StringComparison.Ordinal))
            {
                ids.Add(state[5..]);
            }
        }
        return [.. ids];
    }

    public static Task<string> ImageIdAsync(string image) => Command.DockerAsync("image", "inspect", "-f", "{{.Id}}", image);

    public async ValueTask DisposeAsync()
    {
        if (Stack is not null)
        {
            await Stack.DisposeAsync();
        }
        // The tags deploy.sh made (releases, latest, before-…) go; the images the run built stay cached.
        foreach (var tag in (await TagsAsync()).Except(_tagsBefore))
        {
            await Command.RunAsync("docker", ["rmi", "--no-prune", tag], TimeSpan.FromMinutes(1));
        }
        await Command.RunAsync("rm", ["-rf", _root], TimeSpan.FromMinutes(1));
    }

    static async Task<string[]> TagsAsync() =>
        (await Command.DockerAsync("image", "ls", "--format", "{{.Repository}}:{{.Tag}}", DockerImages.AppRepository))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>A certificate valid 90 days where certbot puts live ones; nginx picks it up by itself.</summary>
    async Task InstallCertificateAsync()
    {
        var live = $"/etc/letsencrypt/live/{Stack.Domain}";
        (await Stack.ExecAsync("certbot", "sh", "-c",
            $"mkdir -p {live} && openssl req -x509 -nodes -newkey rsa:2048 -days 90 -subj /CN={Stack.Domain} " +
            $"-addext subjectAltName=DNS:{Stack.Domain} -keyout {live}/privkey.pem -out {live}/fullchain.pem 2>/dev/null && chmod 0644 {live}/*.pem " +
            // What certbot's deploy hook does after an issuance: nginx re-renders and reloads on this stamp.
            "&& date +%s%N > /etc/letsencrypt/viatique-reload.stamp")).Check();
        var pem = (await Stack.ExecAsync("certbot", "cat", $"{live}/fullchain.pem")).Check().Output;
        await File.WriteAllTextAsync(CertificateFile, pem);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await Stack.ServerCertificateAsync()).NotAfter < DateTime.UtcNow.AddDays(30))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("nginx still serves the placeholder certificate a minute after the live one appeared");
            }
            await Task.Delay(1000);
        }
    }

    async Task MakeReleasesAsync()
    {
        (await Command.RunAsync("git", ["clone", "--quiet", Repo.Root, Clone], TimeSpan.FromMinutes(2))).Check();
        await GitAsync("config", "user.email", "deploy-test@viatique.test");
        await GitAsync("config", "user.name", "deploy test");
        var entrypoint = Path.Combine(Clone, "docker", "entrypoint.sh");
        var original = await File.ReadAllTextAsync(entrypoint);

        await File.WriteAllTextAsync(entrypoint, original + "# release B of the deployment test\n");
        await GitAsync("commit", "--quiet", "-am", "release B");
        ReleaseB = (await GitAsync("rev-parse", "--short=12", "HEAD")).Trim();

        // Release C: the web role listens on a port nothing probes, so it is never healthy.
        await File.WriteAllTextAsync(entrypoint, original.Replace(
            "\t\tserve)\n", "\t\tserve)\n\t\t\texport ASPNETCORE_URLS=http://0.0.0.0:8999\n", StringComparison.Ordinal));
        Assert.NotEqual(original + "", await File.ReadAllTextAsync(entrypoint));
        await GitAsync("commit", "--quiet", "-am", "release C: the backend never becomes healthy");
        ReleaseC = (await GitAsync("rev-parse", "--short=12", "HEAD")).Trim();

        await File.WriteAllTextAsync(BuildOverride, $"""
            # The stand-in base images (tests/Viatique.Deploy.Tests/StandIns) for the builds deploy.sh runs.
            services:
              backend:
                build:
                  args:
                    SDK_IMAGE: {DockerImages.Sdk}
                    RUNTIME_IMAGE: {DockerImages.Aspnet}
            """);
    }

    async Task<string> GitAsync(params string[] arguments) =>
        (await Command.RunAsync("git", ["-C", Clone, .. arguments])).Check().Output;
}
