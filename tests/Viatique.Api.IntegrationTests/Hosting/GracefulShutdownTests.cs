using System.Net;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Hosting;

public class GracefulShutdownTests(RedisServer redis)
{
    [Fact]
    public async Task SigtermLetsTheInFlightRequestFinishThenExitsZero()
    {
        // A request that is slow for a real reason: /health/ waits on a frozen database.
        await using var postgres = new PostgresServer();
        await postgres.InitializeAsync();
        var env = TestEnv.Production(postgres, await postgres.CreateDatabaseAsync("shutdown"), redis);
        Assert.Equal(0, (await AppProcess.RunAsync(env, "migrate")).ExitCode);
        await using var app = AppProcess.Start(env);
        await app.WaitUntilListeningAsync();
        using var http = Clients.For(app);

        postgres.Freeze();
        try
        {
            var inFlight = http.GetAsync("/health/", TestContext.Current.CancellationToken);
            await Task.Delay(500, TestContext.Current.CancellationToken);
            Assert.False(inFlight.IsCompleted);
            app.Signal("TERM");

            using var response = await inFlight;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("\"database\":\"disconnected\"", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal(0, await app.WaitForExitAsync(TimeSpan.FromSeconds(40)));
        }
        finally
        {
            postgres.Thaw();
        }
        Assert.Contains("Application is shutting down", app.Stdout);
    }
}
