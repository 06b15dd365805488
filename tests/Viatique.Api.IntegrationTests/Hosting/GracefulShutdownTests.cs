using System.Net;
using System.Text.RegularExpressions;
using StackExchange.Redis;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Hosting;

public partial class GracefulShutdownTests(PostgresServer sharedPostgres, RedisServer redis)
{
    [Fact]
    public async Task SigtermLetsTheInFlightRequestFinishThenExitsZero()
    {
        // A request that is slow for a real reason: /health/ waits on a frozen database.
        await using var postgres = new PostgresServer();
        await postgres.InitializeAsync();
        var env = TestEnv.Production(postgres, await postgres.CreateDatabaseAsync("shutdown"), redis);
        await using var app = await AppProcess.StartMigratedAsync(env);
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

    [Fact]
    public async Task SigtermClosesTheRedisConnectionsWithQuitBeforeExiting()
    {
        // A Redis server of its own, so every QUIT it counts came from this host. A process that
        // exits without disposing its multiplexer only drops its sockets: no QUIT is ever sent.
        await using var ownRedis = new RedisServer();
        await ownRedis.InitializeAsync();
        var env = TestEnv.Production(sharedPostgres, await sharedPostgres.CreateDatabaseAsync("redisquit"), ownRedis);
        await using var app = await AppProcess.StartMigratedAsync(env);
        using var http = Clients.For(app);
        using (var health = await http.GetAsync("/health/", TestContext.Current.CancellationToken))
        {
            Assert.Contains("\"redis\":\"connected\"", await health.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        await using var observer = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{ownRedis.Port},password={ownRedis.Password},name=observer");
        var redisDb = observer.GetDatabase();
        Assert.Contains("name=viatique", (string?)await redisDb.ExecuteAsync("CLIENT", "LIST"));
        Assert.Equal(0, QuitCalls((string?)await redisDb.ExecuteAsync("INFO", "commandstats")));

        app.Signal("TERM");
        Assert.Equal(0, await app.WaitForExitAsync(TimeSpan.FromSeconds(40)));

        Assert.True(QuitCalls((string?)await redisDb.ExecuteAsync("INFO", "commandstats")) >= 1, "the host exited without sending QUIT");
        Assert.DoesNotContain("name=viatique", (string?)await redisDb.ExecuteAsync("CLIENT", "LIST"));
    }

    static int QuitCalls(string? commandStats) =>
        QuitStat().Match(commandStats ?? "") is { Success: true } match ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;

    [GeneratedRegex(@"cmdstat_quit:calls=(\d+)")]
    private static partial Regex QuitStat();
}
