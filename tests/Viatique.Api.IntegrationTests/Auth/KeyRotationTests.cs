using System.Net;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Auth;

public class KeyRotationTests(PostgresServer postgres, RedisServer redis)
{
    const string NewKey = "N3w-k3y_after-rotation-0123456789abcdefghijklmnopqrstuv";

    [Fact]
    public async Task SessionsSurviveARotationWithTheFallbackAndEndWithoutIt()
    {
        var db = await AccountsDatabase.CreateAsync(postgres, redis, "rotation");
        await db.CreateUserAsync("dora");
        var cookies = new Dictionary<string, string>();

        await using (var before = await StartedAsync(db))
        {
            using var client = new BrowserClient(before);
            Assert.Equal(HttpStatusCode.OK, await client.LoginAsync("dora", AccountsDatabase.UserPassword));
            foreach (var (name, value) in client.Cookies)
            {
                cookies[name] = value;
            }
        }

        await using (var rotated = await StartedAsync(db, ("SECRET_KEY", NewKey), ("SECRET_KEY_FALLBACKS", TestEnv.StrongKey)))
        {
            Assert.Equal(HttpStatusCode.OK, await WithCookies(rotated, cookies).MeStatusAsync());
        }

        await using (var withoutFallback = await StartedAsync(db, ("SECRET_KEY", NewKey)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await WithCookies(withoutFallback, cookies).MeStatusAsync());
            // Said once and plainly, not as a storm of decryption errors.
            Assert.Contains("protected by a SECRET_KEY that is neither current nor in SECRET_KEY_FALLBACKS", withoutFallback.Stdout);
            Assert.DoesNotContain("\"levelname\":\"ERROR\"", withoutFallback.Stdout);
        }
    }

    [Fact]
    public async Task TwoHostsOnOneDatabaseAcceptEachOthersSessions()
    {
        var db = await AccountsDatabase.CreateAsync(postgres, redis, "replicas");
        await db.CreateUserAsync("erin");
        await using var first = await StartedAsync(db);
        await using var second = await StartedAsync(db);

        using var onFirst = new BrowserClient(first);
        Assert.Equal(HttpStatusCode.OK, await onFirst.LoginAsync("erin", AccountsDatabase.UserPassword));
        using var onSecond = WithCookies(second, onFirst.Cookies);

        Assert.Equal(HttpStatusCode.OK, await onSecond.MeStatusAsync());
        // And the CSRF token minted by one replica is accepted by the other.
        using var replayOnSecond = WithCookies(second, onFirst.Cookies);
        using var logout = await onSecond.SendAsync(HttpMethod.Post, "/api/auth/logout/");
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        // Ended at once on the replica that logged out; on the other once its session cache
        // (at most 30 s, issue 11) lets go — SPEC §6's 60 s (SessionCacheTests measures both).
        Assert.Equal(HttpStatusCode.Unauthorized, await replayOnSecond.MeStatusAsync());
        await Eventually.TrueAsync(() => onFirst.MeStatusAsync().GetAwaiter().GetResult() == HttpStatusCode.Unauthorized, seconds: 60);
    }

    static async Task<AppProcess> StartedAsync(AccountsDatabase db, params (string, string)[] overrides)
    {
        var app = db.Start(overrides);
        await app.WaitUntilListeningAsync();
        return app;
    }

    static BrowserClient WithCookies(AppProcess app, IReadOnlyDictionary<string, string> cookies)
    {
        var client = new BrowserClient(app);
        foreach (var (name, value) in cookies)
        {
            client.SetCookie(name, value);
        }
        return client;
    }
}
