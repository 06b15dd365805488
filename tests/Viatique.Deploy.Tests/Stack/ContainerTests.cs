using System.Text.Json;
using Viatique.Deploy.Tests.Infrastructure;

namespace Viatique.Deploy.Tests.Stack;

/// <summary>The application containers of the production stack: user, image, health, migrations.</summary>
[Collection(ProductionStackCollection.Name)]
public sealed class ContainerTests(ProductionStack production)
{
    ComposeStack Stack => production.Stack;

    [Fact]
    public async Task The_backend_runs_as_uid_1000_on_a_read_only_root_filesystem()
    {
        var id = await Stack.ExecAsync("backend", "id", "-u");
        Assert.Equal("1000", id.Check().Output.Trim());
        var write = await Stack.ExecAsync("backend", "sh", "-c", "touch /app/written-at-runtime");
        Assert.NotEqual(0, write.ExitCode);
        Assert.Contains("Read-only file system", write.Error + write.Output, StringComparison.Ordinal);
        // What it may write: /tmp (tmpfs) and the media volume.
        (await Stack.ExecAsync("backend", "sh", "-c", "touch /tmp/ok /app/media/.ok && rm /tmp/ok /app/media/.ok")).Check();
    }

    [Fact]
    public async Task The_image_has_a_healthcheck_through_the_healthcheck_verb_and_no_sdk()
    {
        var inspect = JsonDocument.Parse(await Command.DockerAsync("image", "inspect", "--format", "{{json .Config}}", production.Images.AppImage)).RootElement;
        Assert.Equal("1000:1000", inspect.GetProperty("User").GetString());
        var test = inspect.GetProperty("Healthcheck").GetProperty("Test").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(["CMD", "/app/Viatique.Api", "healthcheck"], test);

        var sdk = await Command.RunAsync("docker", ["run", "--rm", "--entrypoint", "sh", production.Images.AppImage, "-c",
            "ls /usr/share/dotnet; test ! -e /usr/share/dotnet/sdk && ! command -v msbuild && ! ls /app/*.pdb 2>/dev/null"], TimeSpan.FromMinutes(1));
        Assert.True(sdk.Ok, sdk.Output + sdk.Error);
        Assert.Contains("shared", sdk.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Three_backend_replicas_started_at_once_migrated_without_collision()
    {
        var replicas = await Stack.ContainersAsync("backend");
        Assert.Equal(ProductionStack.BackendReplicas, replicas.Count);
        var logs = await Stack.LogsAsync("backend");
        var applied = logs.Split('\n').Where(l => l.Contains("Applied migration", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(applied);
        // Each migration applied once across the replicas; the others found nothing to do.
        Assert.Equal(applied.Count, applied.Select(l => l[l.IndexOf("Applied migration", StringComparison.Ordinal)..]).Distinct().Count());
        Assert.Equal(ProductionStack.BackendReplicas - 1, logs.Split('\n').Count(l => l.Contains("No migrations to apply", StringComparison.Ordinal)));
        Assert.DoesNotContain("already exists", logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_check_reports_a_current_schema()
    {
        var check = await Stack.ExecAsync("backend", "/app/Viatique.Api", "migrate", "--check");
        Assert.Equal(0, check.ExitCode);
        Assert.Contains("has every migration applied", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stopping_the_database_makes_the_backend_unhealthy_and_starting_it_heals_without_a_restart()
    {
        var container = (await Stack.ContainersAsync("backend"))[0];
        var startedAt = await Command.DockerAsync("inspect", "--format", "{{.State.StartedAt}} {{.RestartCount}}", container);
        (await Stack.ComposeAsync("stop", "db")).Check();
        try
        {
            await WaitForAsync(container, "unhealthy", TimeSpan.FromSeconds(90));
        }
        finally
        {
            (await Stack.ComposeAsync("start", "db")).Check();
        }
        await WaitForAsync(container, "healthy", TimeSpan.FromSeconds(90));
        Assert.Equal(startedAt, await Command.DockerAsync("inspect", "--format", "{{.State.StartedAt}} {{.RestartCount}}", container));
        await Stack.WaitHealthyAsync("db", TimeSpan.FromSeconds(60));
    }

    static async Task WaitForAsync(string container, string status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last;
        while ((last = await ComposeStack.HealthAsync(container)) != status)
        {
            Assert.True(DateTime.UtcNow < deadline, $"backend still {last}, expected {status} within {timeout.TotalSeconds:0} s");
            await Task.Delay(1000);
        }
    }
}
