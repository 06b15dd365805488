using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Commands;

/// <summary>SPEC §8a: a typo never starts the production server; a crashed background service never exits 0.</summary>
public class CommandLineTests(PostgresServer postgres, RedisServer redis)
{
    /// <summary>Runs the process to its end, probing its port the whole time: nothing may ever accept.</summary>
    static async Task<(int ExitCode, string Stderr, int Accepted)> RunWatchingThePortAsync(Dictionary<string, string> env, string arguments)
    {
        await using var app = AppProcess.Start(env, arguments);
        var accepted = 0;
        while (!app.HasExited)
        {
            accepted += Ports.Accepts(app.Port) ? 1 : 0;
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        return (await app.WaitForExitAsync(), app.Stderr, accepted);
    }

    [Fact]
    public async Task AMistypedVerbExits64SuggestingTheVerbAndNothingListens()
    {
        var (exitCode, stderr, accepted) = await RunWatchingThePortAsync(TestEnv.Production(), "migrte");

        Assert.Equal(64, exitCode);
        Assert.Contains("did you mean `migrate`", stderr);
        Assert.Contains("Usage:", stderr);
        Assert.Equal(0, accepted);
    }

    [Theory]
    [InlineData("serve --bogus")]
    [InlineData("worker --bogus")]
    [InlineData("healthcheck --role janitor")]
    [InlineData("--urls http://127.0.0.1:1")]
    public async Task AnUnknownOptionExits64AndNothingListens(string arguments)
    {
        var (exitCode, stderr, accepted) = await RunWatchingThePortAsync(TestEnv.Production(), arguments);

        Assert.Equal(64, exitCode);
        Assert.Contains("Usage:", stderr);
        Assert.Equal(0, accepted);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("serve --help")]
    [InlineData("worker --help")]
    [InlineData("scheduler --help")]
    [InlineData("createuser --help")]
    [InlineData("healthcheck --help")]
    public async Task EveryVerbHasHelp(string arguments)
    {
        var (exitCode, stdout, _) = await AppProcess.RunAsync(TestEnv.Production(), arguments);

        Assert.Equal(0, exitCode);
        Assert.Contains("Usage:", stdout);
    }

    [Fact]
    public async Task ABackgroundServiceThatCrashesStopsTheProcessWithExit70()
    {
        // A scheduler whose job storage never answers gives up registering its schedule: that
        // background service throws, the host stops, and the exit code says it crashed.
        var closedPort = Ports.Free();
        var env = TestEnv.Production(("CELERY_BROKER_URL", $"redis://:x@127.0.0.1:{closedPort}/0"));

        var (exitCode, _, stderr) = await AppProcess.RunAsync(env, "scheduler", TimeSpan.FromSeconds(90));

        Assert.True(exitCode == 70, $"exit {exitCode}\n{stderr}");
    }

    [Fact]
    public async Task CreateuserMakesAnOrdinaryUser()
    {
        var database = await postgres.CreateDatabaseAsync("createuser");
        var env = TestEnv.Production(postgres, database, redis);
        Assert.Equal(0, (await AppProcess.RunAsync(env, "migrate")).ExitCode);

        var created = await AppProcess.RunAsync(new Dictionary<string, string>(env) { ["VIATIQUE_SUPERUSER_PASSWORD"] = "plain-user-Passw0rd" },
            "createuser --username olga --email olga@example.com");

        Assert.True(created.ExitCode == 0, created.Stdout + created.Stderr);
        Assert.Equal(1L, await postgres.ScalarAsync(database, "SELECT count(*) FROM \"AspNetUsers\" WHERE \"UserName\" = 'olga'"));
        Assert.Equal(0L, await postgres.ScalarAsync(database, "SELECT count(*) FROM \"AspNetUserRoles\""));
    }
}
