using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Auth;

/// <summary>
/// The session API as the Vue front end uses it, behind nginx, in Production. One host for the
/// class: every browser has an address of its own, and carol (locked out) is no other test's user.
/// </summary>
public class LoginTests(LoginTests.Accounts accounts) : IClassFixture<LoginTests.Accounts>
{
    public sealed class Accounts(PostgresServer postgres, RedisServer redis) : AccountsHosts(postgres, redis)
    {
        protected override string Prefix => "login";
        protected override string[] Users => ["alice", "bob", "carol"];
    }

    readonly AppProcess _app = accounts.App;

    [Fact]
    public async Task CsrfLoginMeLogoutAsABrowserDoes()
    {
        using var browser = new BrowserClient(_app);

        using (var csrf = await browser.GetAsync("/api/auth/csrf/"))
        {
            Assert.Equal(HttpStatusCode.OK, csrf.StatusCode);
            var cookie = csrf.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("csrftoken=", StringComparison.Ordinal));
            Assert.DoesNotContain("httponly", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
            var body = await csrf.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
            Assert.Equal(browser.Cookie("csrftoken"), body.GetProperty("csrfToken").GetString());
        }

        using (var login = await browser.PostJsonAsync("/api/auth/login/", new { username = "alice", password = AccountsDatabase.UserPassword }))
        {
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            Assert.Equal("alice", (await login.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("username").GetString());
            var session = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("sessionid=", StringComparison.Ordinal)).ToLowerInvariant();
            Assert.Contains("httponly", session);
            Assert.Contains("secure", session);
            Assert.Contains("samesite=lax", session);
        }

        using (var me = await browser.GetAsync("/api/auth/me/"))
        {
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
            var body = await me.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
            Assert.Equal("alice", body.GetProperty("username").GetString());
            Assert.False(body.GetProperty("isAdmin").GetBoolean());
        }

        var sessionCookie = browser.Cookie("sessionid")!;
        using (var logout = await browser.SendAsync(HttpMethod.Post, "/api/auth/logout/"))
        {
            Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, await browser.MeStatusAsync());

        // Logout ended the session on the server: the old cookie, replayed, opens nothing.
        browser.SetCookie("sessionid", sessionCookie);
        Assert.Equal(HttpStatusCode.Unauthorized, await browser.MeStatusAsync());
    }

    [Fact]
    public async Task LoginWithoutTheCsrfHeaderIs403AndLogged()
    {
        using var browser = new BrowserClient(_app);
        await browser.FetchCsrfAsync();
        browser.SendCsrfHeader = false;
        var logged = _app.StdoutLines.Count;

        using var login = await browser.PostJsonAsync("/api/auth/login/", new { username = "alice", password = AccountsDatabase.UserPassword });

        Assert.Equal(HttpStatusCode.Forbidden, login.StatusCode);
        await Eventually.TrueAsync(() => _app.StdoutLines.Skip(logged).Any(l => l.Contains("viatique.security.csrf", StringComparison.Ordinal) && l.Contains("CSRF token missing", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ForgedCsrfTokenIs403EvenWhenHeaderAndCookieMatch()
    {
        using var browser = new BrowserClient(_app);
        browser.SetCookie("csrftoken", "made-up-token");
        using var login = await browser.PostJsonAsync("/api/auth/login/", new { username = "alice", password = AccountsDatabase.UserPassword });
        Assert.Equal(HttpStatusCode.Forbidden, login.StatusCode);
    }

    [Fact]
    public async Task WrongOriginOverHttpsIs403()
    {
        using var browser = new BrowserClient(_app) { OriginHeader = "https://evil.example.net" };
        Assert.Equal(HttpStatusCode.Forbidden, await browser.LoginAsync("alice", AccountsDatabase.UserPassword));
    }

    [Fact]
    public async Task WrongPasswordIs401AndMalformedBodyIs400()
    {
        using var browser = new BrowserClient(_app);
        Assert.Equal(HttpStatusCode.Unauthorized, await browser.LoginAsync("bob", "not-the-password"));
        Assert.Equal(HttpStatusCode.Unauthorized, await browser.LoginAsync("nobody-by-this-name", "whatever-password"));

        browser.ClientIp = "2001:db8:3::1";
        using var malformed = await browser.SendAsync(HttpMethod.Post, "/api/auth/login/", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        using var missing = await browser.PostJsonAsync("/api/auth/login/", new { username = "bob" });
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
    }

    [Fact]
    public async Task RepeatedFailuresLockTheAccount()
    {
        using var browser = new BrowserClient(_app);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            // A new address of one /24 each time: the login rate limit (3 per address) stays out of
            // the way, the lockout (per /24) counts them together.
            browser.ClientIp = $"198.51.100.{attempt + 1}";
            Assert.Equal(HttpStatusCode.Unauthorized, await browser.LoginAsync("carol", "wrong-password-" + attempt));
        }
        browser.ClientIp = "198.51.100.200";

        Assert.Equal(HttpStatusCode.Unauthorized, await browser.LoginAsync("carol", AccountsDatabase.UserPassword));
        await Eventually.TrueAsync(() => _app.StdoutLines.Any(l => l.Contains("Account carol locked", StringComparison.Ordinal) && l.Contains("viatique.security.login", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AdminAreaIs401AnonymousAnd403ForAUserAnd200ForTheAdmin()
    {
        using var anonymous = new BrowserClient(_app);
        using var user = new BrowserClient(_app);
        using var admin = new BrowserClient(_app);
        Assert.Equal(HttpStatusCode.OK, await user.LoginAsync("bob", AccountsDatabase.UserPassword));
        Assert.Equal(HttpStatusCode.OK, await admin.LoginAsync("admin", AccountsDatabase.AdminPassword));

        using var a = await anonymous.GetAsync("/admin/");
        using var u = await user.GetAsync("/admin/");
        using var o = await admin.GetAsync("/admin/");

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden, HttpStatusCode.OK), (a.StatusCode, u.StatusCode, o.StatusCode));
        var overview = await o.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("Production", overview.GetProperty("environment").GetString());
        Assert.True(overview.GetProperty("users").GetInt32() >= 4);
        Assert.Equal(1, overview.GetProperty("admins").GetInt32());
    }

    [Fact]
    public async Task UnknownPathsAre404NotAHintOfSomething()
    {
        using var browser = new BrowserClient(_app);
        using var response = await browser.GetAsync("/api/nothing-here/");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
