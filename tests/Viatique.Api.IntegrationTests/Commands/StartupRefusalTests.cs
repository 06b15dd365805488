using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Commands;

public class StartupRefusalTests
{
    const string WeakKey = "weak-s3cret-value";
    const string DbPassword = "p%40ssw0rd-hunter2";

    [Fact]
    public async Task RefusesBadProductionSettingsWithExit78NamingEveryVariableBeforeListening()
    {
        var env = TestEnv.Production(
            ("SECRET_KEY", WeakKey),
            ("DEBUG", "true"),
            ("ALLOWED_HOSTS", "*"),
            ("DATABASE_URL", $"postgres://viatique:{DbPassword}@db:notaport/viatique"));
        await using var app = AppProcess.Start(env);

        // Probe the port for as long as the process lives: nothing may ever accept.
        var accepted = 0;
        while (!app.HasExited)
        {
            if (Ports.Accepts(app.Port))
            {
                accepted++;
            }
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        var exitCode = await app.WaitForExitAsync();

        Assert.Equal(78, exitCode);
        Assert.Equal(0, accepted);
        foreach (var line in new[] { "VIQ-E002 SECRET_KEY:", "VIQ-E010 DEBUG:", "VIQ-E021 ALLOWED_HOSTS:", "VIQ-E031 DATABASE_URL:" })
        {
            Assert.Contains(line, app.Stderr);
        }
        foreach (var secret in new[] { WeakKey, DbPassword, "p@ssw0rd-hunter2", "hunter2" })
        {
            Assert.DoesNotContain(secret, app.Stdout);
            Assert.DoesNotContain(secret, app.Stderr);
        }
        Assert.DoesNotContain("Now listening", app.Stdout);
    }

    [Fact]
    public async Task UnsetEnvironmentMeansProductionRules()
    {
        var (exitCode, _, stderr) = await AppProcess.RunAsync(new Dictionary<string, string>(), "");

        Assert.Equal(78, exitCode);
        Assert.Contains("VIQ-E001 SECRET_KEY:", stderr);
        Assert.Contains("VIQ-E030 DATABASE_URL:", stderr);
        Assert.Contains("in Production", stderr);
    }
}
