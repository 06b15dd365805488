using System.Text.RegularExpressions;
using Viatique.Deploy.Tests.Infrastructure;

namespace Viatique.Deploy.Tests.Files;

/// <summary>What running the files cannot show: read from the files themselves.</summary>
public sealed partial class StaticChecksTests
{
    /// <summary>The compose file without its comment lines.</summary>
    static readonly string Compose = string.Join('\n', File.ReadAllLines(Repo.Path("docker", "docker-compose.prod.yml"))
        .Where(l => !l.TrimStart().StartsWith('#')));
    static readonly string Dockerfile = File.ReadAllText(Repo.Path("docker", "Dockerfile"));

    [Fact]
    public void The_runtime_stage_runs_as_uid_1000_with_a_healthcheck_through_the_healthcheck_verb()
    {
        var runtime = Dockerfile[Dockerfile.IndexOf("AS runtime", StringComparison.Ordinal)..];
        Assert.Matches(@"(?m)^USER 1000:1000$", runtime);
        Assert.Matches(@"(?m)^HEALTHCHECK .*\n\s+CMD \[""/app/Viatique.Api"", ""healthcheck""\]", runtime);
        Assert.Contains("PublishReadyToRun=true", Dockerfile, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?im)^(ENV|ARG)\s+\S*(SECRET|PASSWORD|TOKEN)", Dockerfile);
    }

    [Fact]
    public void Every_service_restarts_always_and_has_a_healthcheck()
    {
        foreach (var service in new[] { "db", "redis", "backend", "worker", "scheduler", "nginx", "certbot" })
        {
            var block = ServiceBlock(service);
            Assert.True(block.Contains("restart: always", StringComparison.Ordinal) || block.Contains("<<: *backend", StringComparison.Ordinal), $"{service} has no restart: always");
            Assert.True(block.Contains("healthcheck:", StringComparison.Ordinal), $"{service} has no healthcheck");
        }
        Assert.Contains("restart: always", AnchorBlock(), StringComparison.Ordinal);
        Assert.Contains("\"healthcheck\", \"--role\", \"worker\"", ServiceBlock("worker"), StringComparison.Ordinal);
        Assert.Contains("\"healthcheck\", \"--role\", \"scheduler\"", ServiceBlock("scheduler"), StringComparison.Ordinal);
    }

    [Fact]
    public void Dependencies_wait_for_healthy_services_and_data_lives_on_named_volumes()
    {
        Assert.DoesNotMatch(@"condition: service_started", Compose);
        Assert.Matches(@"db:\s+condition: service_healthy", AnchorBlock());
        Assert.Matches(@"redis:\s+condition: service_healthy", AnchorBlock());
        Assert.Contains("postgres_data:/var/lib/postgresql/data", ServiceBlock("db"), StringComparison.Ordinal);
        Assert.Contains("redis_data:/data", ServiceBlock("redis"), StringComparison.Ordinal);
        Assert.Contains("--appendonly yes", ServiceBlock("redis"), StringComparison.Ordinal);
        Assert.Contains("--maxmemory-policy noeviction", ServiceBlock("redis"), StringComparison.Ordinal);
        Assert.Contains("media:/app/media", AnchorBlock(), StringComparison.Ordinal);
        Assert.Contains("certbot_conf:/etc/letsencrypt", ServiceBlock("certbot"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_app_is_non_root_with_a_read_only_root_and_secrets_come_only_from_the_env_file()
    {
        Assert.Contains("user: \"1000:1000\"", AnchorBlock(), StringComparison.Ordinal);
        Assert.Contains("read_only: true", AnchorBlock(), StringComparison.Ordinal);
        Assert.DoesNotContain("container_name", Compose, StringComparison.Ordinal);
        Assert.Contains("image: ${VIATIQUE_IMAGE:-viatique/api}:${VIATIQUE_TAG:-latest}", Compose, StringComparison.Ordinal);
        // No literal secret: any *PASSWORD*, *SECRET*, *TOKEN* or URL with credentials is a variable.
        Assert.DoesNotMatch(@"(?im)^\s*-?\s*\w*(PASSWORD|SECRET|TOKEN)\w*\s*[:=]\s*[^$\s]", Compose);
        Assert.DoesNotMatch(@"://[^:\s/]+:[^@\s$]+@", Compose);
    }

    [Fact]
    public async Task Env_production_files_are_ignored_by_git_wherever_they_sit()
    {
        foreach (var path in new[] { ".env.production", "docker/.env.production", "deploy/.env.production.local", ".env" })
        {
            var result = await Command.RunAsync("git", ["-C", Repo.Root, "check-ignore", "-q", "--no-index", path], TimeSpan.FromSeconds(10));
            Assert.True(result.ExitCode == 0, $"{path} is not ignored by git");
        }
        var example = await Command.RunAsync("git", ["-C", Repo.Root, "check-ignore", "-q", "--no-index", ".env.example"], TimeSpan.FromSeconds(10));
        Assert.Equal(1, example.ExitCode);
    }

    static string AnchorBlock() => Block(@"(?m)^x-backend: &backend$", "^\\S");

    static string ServiceBlock(string service) => Block($@"(?m)^  {service}:$", "^  \\S");

    static string Block(string start, string end)
    {
        var match = Regex.Match(Compose, start);
        Assert.True(match.Success, $"{start} not found in the compose file");
        var rest = Compose[(match.Index + match.Length)..];
        var next = Regex.Match(rest, "(?m)" + end);
        return next.Success ? rest[..next.Index] : rest;
    }
}
