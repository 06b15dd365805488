using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Operations;

/// <summary>docker/deploy.sh without a stack: the dry run and the refusals. The real deployments run in Viatique.Deploy.Tests.</summary>
public sealed class DeployScriptTests : IDisposable
{
    readonly string _backups = Directory.CreateTempSubdirectory("viatique-deploy-dry-").FullName;

    public void Dispose() => Directory.Delete(_backups, recursive: true);

    [Fact]
    public async Task DryRunPrintsTheEightStepsInOrderAndRunsNothing()
    {
        var revision = (await Script.RunProgramAsync("git", new Dictionary<string, string>(), ["-C", Repo.Root, "rev-parse", "--short=12", "HEAD"])).Stdout.Trim();

        var plan = await Script.RunAsync("docker/deploy.sh", new Dictionary<string, string>
        {
            ["DEPLOY_URL"] = "https://viatique.example.com",
            ["BACKUP_DIR"] = _backups,
            ["VIATIQUE_IMAGE"] = "viatique-dry-run/api",
        }, "--dry-run", "--allow-dirty");

        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Contains($"viatique-dry-run/api:{revision}", plan.Stdout);
        var steps = plan.Stdout.Split('\n').Where(l => l.Length > 1 && char.IsDigit(l[0])).Select(l => l[..18].Trim()).ToList();
        Assert.Equal(["1 check --deploy", "2 backups", "3 build", "4 migrate", "5 backend", "6 worker,scheduler", "7 nginx reload", "8 public health"], steps);
        Assert.Contains("curl https://viatique.example.com/health/", plan.Stdout);
        // Nothing ran: the backups step would have written here.
        Assert.Empty(Directory.EnumerateFileSystemEntries(_backups));
    }

    [Fact]
    public async Task WithoutAPublicUrlItSaysWhereItLooked()
    {
        var result = await Script.RunAsync("docker/deploy.sh", new Dictionary<string, string> { ["BACKUP_DIR"] = _backups }, "--dry-run");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("CSRF_TRUSTED_ORIGINS", result.Stderr);
    }
}
