using System.Text.Json;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Commands;

public class CheckCommandTests
{
    [Fact]
    public async Task PassesAValidProductionEnvironmentWithExitZero()
    {
        var (exitCode, stdout, _) = await AppProcess.RunAsync(TestEnv.Production(), "check");

        Assert.Equal(0, exitCode);
        Assert.Contains("System check identified no issues (Production).", stdout);
    }

    [Fact]
    public async Task JsonReportListsErrorsAndExitsNonZero()
    {
        var (exitCode, stdout, _) = await AppProcess.RunAsync(TestEnv.Production(("SSL_ENABLED", "false"), ("EMAIL_PORT", "smtp")), "check --json");

        Assert.Equal(78, exitCode);
        using var json = JsonDocument.Parse(stdout);
        var ids = json.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("id").GetString()).ToList();
        Assert.Equal(["VIQ-E040", "VIQ-E051"], ids);
        Assert.Equal(2, json.RootElement.GetProperty("errors").GetInt32());
    }

    [Fact]
    public async Task DeployReportsAMissingCertificateAndMissingBackupsInsteadOfPassingThem()
    {
        var (exitCode, stdout, _) = await AppProcess.RunAsync(TestEnv.Production(), "check --deploy");

        Assert.Equal(78, exitCode);
        Assert.Contains("VIQ-E103 TLS_CERT_PATH: TLS_CERT_PATH is not set", stdout);
        Assert.Contains("VIQ-E104 BACKUP_DIR: no database backup", stdout);
        Assert.Contains("VIQ-E104 BACKUP_DIR: no media snapshot", stdout);
        Assert.DoesNotContain("not yet available", stdout);
    }

    [Fact]
    public async Task DeployWithStartupErrorsStillPrintsTheWholeReport()
    {
        var (exitCode, stdout, stderr) = await AppProcess.RunAsync(TestEnv.Production(("DEBUG", "true")), "check --deploy");

        Assert.Equal(78, exitCode);
        Assert.Contains("VIQ-E010 DEBUG:", stdout);
        Assert.Contains("VIQ-E105 (deploy): skipped", stdout);
        Assert.DoesNotContain("refuses to start", stderr);
    }

    [Fact]
    public async Task HelpListsTheVerbs()
    {
        var (exitCode, stdout, _) = await AppProcess.RunAsync(new Dictionary<string, string>(), "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("serve", stdout);
        Assert.Contains("check", stdout);
    }
}
