using System.Diagnostics;
using System.Net;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Health;

public class HealthTests(PostgresServer postgres, RedisServer redis)
{
    const string Healthy = """{"status":"healthy","database":"connected","redis":"connected"}""";
    const string DatabaseDown = """{"status":"unhealthy","database":"disconnected","redis":"connected"}""";

    static CancellationToken Token => TestContext.Current.CancellationToken;

    static async Task<(HttpStatusCode Status, string Body)> GetHealthAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/health/", Token);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Token));
    }

    [Fact]
    public async Task AnswersHealthyWithTheExactJsonWhateverTheHostHeader()
    {
        var env = TestEnv.Production(postgres, await postgres.CreateDatabaseAsync("health"), redis);
        await using var app = await AppProcess.StartMigratedAsync(env);
        using var http = new HttpClient { BaseAddress = app.BaseAddress };

        Assert.Equal((HttpStatusCode.OK, Healthy), await GetHealthAsync(http));

        using var probe = new HttpRequestMessage(HttpMethod.Get, "/health/");
        probe.Headers.Host = "some-container-id:8000";
        using var response = await http.SendAsync(probe, Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ReportsTheDatabaseDownFrozenAndBackWithoutARestart()
    {
        // This test stops and freezes its server, so it has its own.
        await using var own = new PostgresServer();
        await own.InitializeAsync();
        var env = TestEnv.Production(own, await own.CreateDatabaseAsync("outage"), redis);
        await using var app = await AppProcess.StartMigratedAsync(env);
        using var http = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Assert.Equal((HttpStatusCode.OK, Healthy), await GetHealthAsync(http));

        await own.StopAsync();
        await Task.Delay(Viatique.Api.Health.HealthProbe.MaxAge + TimeSpan.FromMilliseconds(50), Token);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, DatabaseDown), await GetHealthAsync(http));

        await own.StartAsync();
        await EventuallyHealthyAsync(http);

        own.Freeze();
        try
        {
            // Probes share a check for up to 250 ms (issue 11): the healthy answer just seen may
            // still be served until then, never after.
            await Task.Delay(Viatique.Api.Health.HealthProbe.MaxAge + TimeSpan.FromMilliseconds(50), Token);
            var clock = Stopwatch.StartNew();
            var frozen = await GetHealthAsync(http);
            clock.Stop();
            Assert.Equal((HttpStatusCode.ServiceUnavailable, DatabaseDown), frozen);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"answered after {clock.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            own.Thaw();
        }
        await EventuallyHealthyAsync(http);

        // What went wrong is in the log, not in the body.
        Assert.Contains("Health check of database failed", app.Stdout);
    }

    static async Task EventuallyHealthyAsync(HttpClient http)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        (HttpStatusCode, string) last;
        do
        {
            last = await GetHealthAsync(http);
            if (last == (HttpStatusCode.OK, Healthy))
            {
                return;
            }
            await Task.Delay(250, Token);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"still unhealthy after 30 s: {last}");
    }

    [Fact]
    public async Task ReportsRedisDisconnected()
    {
        var database = await postgres.CreateDatabaseAsync("noredis");
        var env = TestEnv.Production(postgres, database, redis, ("CELERY_BROKER_URL", $"redis://:x@127.0.0.1:{Ports.Free()}/0"));
        await using var app = await AppProcess.StartMigratedAsync(env);
        using var http = new HttpClient { BaseAddress = app.BaseAddress };

        Assert.Equal((HttpStatusCode.ServiceUnavailable, """{"status":"unhealthy","database":"connected","redis":"disconnected"}"""), await GetHealthAsync(http));
    }

    [Fact]
    public async Task HealthcheckVerbExitsZeroWhenHealthyAndOneOtherwise()
    {
        var env = TestEnv.Production(postgres, await postgres.CreateDatabaseAsync("probe"), redis);
        await using var app = await AppProcess.StartMigratedAsync(env);

        var healthy = await AppProcess.RunAsync(new Dictionary<string, string> { ["ASPNETCORE_URLS"] = $"http://0.0.0.0:{app.Port}" }, "healthcheck");
        var nothing = await AppProcess.RunAsync(new Dictionary<string, string> { ["ASPNETCORE_URLS"] = $"http://0.0.0.0:{Ports.Free()}" }, "healthcheck");

        Assert.Equal(0, healthy.ExitCode);
        Assert.Contains("200 healthy", healthy.Stdout);
        Assert.Equal(1, nothing.ExitCode);
    }

    [Fact]
    public async Task MetricsNeedTheBearerTokenAndShowRoutesAndThePool()
    {
        var env = TestEnv.Production(postgres, await postgres.CreateDatabaseAsync("metrics"), redis, ("METRICS_TOKEN", "metrics-t0ken-for-tests-0123456789abcdef"));
        await using var app = await AppProcess.StartMigratedAsync(env);
        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        await GetHealthAsync(http);

        using var anonymous = await http.GetAsync("/metrics", Token);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { { "Authorization", "Bearer nope" } } };
        using var wrongResponse = await http.SendAsync(wrong, Token);
        using var right = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { { "Authorization", "Bearer metrics-t0ken-for-tests-0123456789abcdef" } } };
        using var rightResponse = await http.SendAsync(right, Token);
        var text = await rightResponse.Content.ReadAsStringAsync(Token);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, rightResponse.StatusCode);
        Assert.StartsWith("text/plain", rightResponse.Content.Headers.ContentType?.MediaType);
        Assert.Contains("http_request_duration_seconds_count{code=\"2xx\",method=\"GET\",controller=\"\",action=\"\",endpoint=\"/health/\"}", text);
        Assert.Contains("npgsql_db_client_connection_count", text);
        Assert.Contains("npgsql_db_client_connection_max", text);
        Assert.DoesNotContain("msquic", text);
    }

    [Fact]
    public async Task MetricsDoNotExistWithoutAToken()
    {
        var env = TestEnv.Production(postgres, await postgres.CreateDatabaseAsync("nometrics"), redis);
        await using var app = await AppProcess.StartMigratedAsync(env);
        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        using var response = await http.GetAsync("/metrics", Token);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
