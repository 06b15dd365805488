using System.Net;
using System.Security.Cryptography;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.RateLimiting;

public class RateLimitTests(RedisServer redis)
{
    const string Site = "viatique.example.com";

    static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A documentation-range client /64 of its own (IPv6 clients share limits per /64), so no test shares another's bucket.</summary>
    static string NewClientIp() => $"2001:db8:{RandomNumberGenerator.GetInt32(1, 0xffff):x}:{RandomNumberGenerator.GetInt32(1, 0xffff):x}::1";

    static Dictionary<string, string> Env(string redisUrl) => TestEnv.Production(("CELERY_BROKER_URL", redisUrl), ("TRUSTED_PROXIES", "127.0.0.1"));

    static async Task<HttpResponseMessage> ApiAsync(HttpClient http, string clientIp, string path = "/api/ping/") =>
        await http.SendAsync(Clients.Get(path, ("Host", Site), ("X-Forwarded-Proto", "https"), ("X-Forwarded-For", clientIp)), Token);

    static async Task<List<HttpResponseMessage>> BurstAsync(HttpClient http, string clientIp, int count, string path = "/api/ping/")
    {
        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < count; i++)
        {
            responses.Add(await ApiAsync(http, clientIp, path));
        }
        return responses;
    }

    [Fact]
    public async Task ThirtyRapidRequestsFromOneClientGet429WithRetryAfterWhileAnotherClientIsServed()
    {
        await using var app = AppProcess.Start(Env(redis.Url()));
        await app.WaitUntilListeningAsync();
        using var http = Clients.For(app);
        var flooder = NewClientIp();

        var started = DateTime.UtcNow;
        var responses = await BurstAsync(http, flooder, 30);
        var refill = (int)Math.Ceiling((DateTime.UtcNow - started).TotalSeconds * 10);
        using var other = await ApiAsync(http, NewClientIp());

        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.InRange(30 - limited.Count, 20, 20 + refill);
        Assert.All(limited, r => Assert.True(int.Parse(r.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1));
        Assert.NotEqual(HttpStatusCode.TooManyRequests, other.StatusCode);
        // A flood is one log line, not one per rejection; the client is named by its /64.
        var network = flooder[..^1] + "/64";
        await Eventually.TrueAsync(() => app.Stdout.Contains($"exceeded by {network}", StringComparison.Ordinal));
        Assert.Single(app.StdoutLines, l => l.Contains($"Rate limit api exceeded by {network}", StringComparison.Ordinal) && l.Contains("viatique.security.ratelimit", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HealthIsNeverLimited()
    {
        await using var app = AppProcess.Start(Env(redis.Url()));
        await app.WaitUntilListeningAsync();
        using var http = Clients.For(app);
        var client = NewClientIp();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 40; i++)
        {
            using var response = await http.SendAsync(Clients.Get("/health/live/", ("Host", "localhost"), ("X-Forwarded-For", client)), Token);
            statuses.Add(response.StatusCode);
        }
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
    }

    [Fact]
    public async Task LoginAllowsABurstOfThreeThenWaitsTwelveSeconds()
    {
        await using var app = AppProcess.Start(Env(redis.Url()));
        await app.WaitUntilListeningAsync();
        using var http = Clients.For(app);

        var responses = await BurstAsync(http, NewClientIp(), 5, "/api/auth/login/");

        Assert.Equal(3, responses.Count(r => r.StatusCode != HttpStatusCode.TooManyRequests));
        var retryAfter = int.Parse(responses[^1].Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 10, 12);
    }

    [Fact]
    public async Task TwoHostsSharingOneRedisEnforceOneBudget()
    {
        await using var first = AppProcess.Start(Env(redis.Url()));
        await using var second = AppProcess.Start(Env(redis.Url()));
        await Task.WhenAll(first.WaitUntilListeningAsync(), second.WaitUntilListeningAsync());
        using var a = Clients.For(first);
        using var b = Clients.For(second);
        var client = NewClientIp();

        var started = DateTime.UtcNow;
        var served = 0;
        for (var i = 0; i < 20; i++)
        {
            foreach (var http in new[] { a, b })
            {
                using var response = await ApiAsync(http, client);
                served += response.StatusCode == HttpStatusCode.TooManyRequests ? 0 : 1;
            }
        }
        var refill = (int)Math.Ceiling((DateTime.UtcNow - started).TotalSeconds * 10);

        // Separate local buckets would serve 40; one shared bucket serves the burst plus what refilled.
        Assert.InRange(served, 20, 20 + refill);
        Assert.True(served < 40);
    }

    [Fact]
    public async Task WithRedisGoneRequestsAreLimitedLocallyAndSharedLimitsReturnWithIt()
    {
        await using var own = new RedisServer();
        await own.InitializeAsync();
        await using var app = AppProcess.Start(Env(own.Url()));
        await app.WaitUntilListeningAsync();
        using var http = Clients.For(app);

        using (var warmUp = await ApiAsync(http, NewClientIp()))
        {
            Assert.NotEqual(HttpStatusCode.TooManyRequests, warmUp.StatusCode);
        }
        await own.StopAsync();

        var client = NewClientIp();
        var whileDown = await BurstAsync(http, client, 30);
        Assert.Contains(whileDown, r => r.StatusCode == HttpStatusCode.NotFound);
        Assert.Contains(whileDown, r => r.StatusCode == HttpStatusCode.TooManyRequests);
        await Eventually.TrueAsync(() => app.Stdout.Contains("rate limits are now local to this process", StringComparison.Ordinal));

        await own.StartAsync();
        await Eventually.TrueAsync(() =>
        {
            using var probe = ApiAsync(http, NewClientIp()).GetAwaiter().GetResult();
            return app.Stdout.Contains("rate limits are shared across replicas", StringComparison.Ordinal);
        }, seconds: 30);
    }

    [Fact]
    public async Task RedisKilledUnderLoadNeverTurnsIntoA500()
    {
        await using var own = new RedisServer();
        await own.InitializeAsync();
        await using var app = AppProcess.Start(Env(own.Url()));
        await app.WaitUntilListeningAsync();
        using var http = Clients.For(app);
        using (var warmUp = await ApiAsync(http, NewClientIp()))
        {
            Assert.NotEqual(HttpStatusCode.TooManyRequests, warmUp.StatusCode);
        }

        var statuses = new System.Collections.Concurrent.ConcurrentBag<int>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(8));
        var load = Enumerable.Range(0, 16).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await ApiAsync(http, NewClientIp(), Random.Shared.Next(2) == 0 ? "/api/ping/" : "/api/auth/login/");
                statuses.Add((int)response.StatusCode);
            }
        }).ToList();
        await Task.Delay(TimeSpan.FromSeconds(2), Token);
        await own.KillAsync();
        await Task.WhenAll(load);

        Assert.True(statuses.Count > 50, $"only {statuses.Count} requests answered");
        Assert.DoesNotContain(500, statuses);
        // (This host has no database: its key-ring errors are not the point here.)
        Assert.DoesNotContain(app.StdoutLines, l => l.Contains("\"levelname\":\"ERROR\"", StringComparison.Ordinal) && l.Contains("Redis", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnIPv6ClientRotatingThroughItsSlash64MeetsTheLoginLimit()
    {
        await using var app = AppProcess.Start(Env(redis.Url()));
        await app.WaitUntilListeningAsync();
        using var http = Clients.For(app);
        var network = NewClientIp()[..^1];

        var statuses = new List<HttpStatusCode>();
        for (var host = 1; host <= 6; host++)
        {
            // A new address of the same /64 for every attempt.
            using var response = await ApiAsync(http, $"{network}{host * 4099:x}", "/api/auth/login/");
            statuses.Add(response.StatusCode);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, statuses.Take(3));
    }
}
