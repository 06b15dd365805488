using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Auth;

/// <summary>
/// Reset by e-mailed token. Development's mail sender writes the mail to the log, which is where
/// these tests read the token from (the database is the real PostgreSQL).
/// </summary>
public partial class PasswordResetTests(PostgresServer postgres, RedisServer redis)
{
    const string NewPassword = "brand-new-Passw0rd";

    async Task<AppProcess> StartAsync(string user, params (string, string)[] more)
    {
        var db = await AccountsDatabase.CreateAsync(postgres, redis, "reset");
        await db.CreateUserAsync(user);
        var app = db.Start([("ASPNETCORE_ENVIRONMENT", "Development"), ("LOG_FORMAT", "json"), .. more]);
        await app.WaitUntilListeningAsync();
        return app;
    }

    static async Task<string> RequestTokenAsync(AppProcess app, BrowserClient browser, string email)
    {
        var before = app.StdoutLines.Count;
        using var response = await browser.PostJsonAsync("/api/auth/password-reset/", new { email });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        string? token = null;
        await Eventually.TrueAsync(() =>
        {
            foreach (var line in app.StdoutLines.Skip(before))
            {
                var message = JsonDocument.Parse(line).RootElement.GetProperty("message").GetString() ?? "";
                if (message.StartsWith($"E-mail to {email}", StringComparison.Ordinal) && TokenLine().Match(message) is { Success: true } match)
                {
                    token = match.Groups[1].Value;
                    return true;
                }
            }
            return false;
        });
        return token!;
    }

    static async Task<HttpStatusCode> ConfirmAsync(BrowserClient browser, string token, string password)
    {
        using var response = await browser.PostJsonAsync("/api/auth/password-reset/confirm/", new { token, password });
        return response.StatusCode;
    }

    [Fact]
    public async Task TokenWorksOnceEndsSessionsAndChangesThePassword()
    {
        await using var app = await StartAsync("frank");
        using var browser = new BrowserClient(app, https: false);
        using var loggedIn = new BrowserClient(app, https: false);
        Assert.Equal(HttpStatusCode.OK, await loggedIn.LoginAsync("frank", AccountsDatabase.UserPassword));
        await browser.FetchCsrfAsync();

        var token = await RequestTokenAsync(app, browser, "frank@example.com");

        Assert.Equal(HttpStatusCode.NoContent, await ConfirmAsync(browser, token, NewPassword));
        Assert.Equal(HttpStatusCode.BadRequest, await ConfirmAsync(browser, token, "another-Passw0rd-x"));
        Assert.Equal(HttpStatusCode.Unauthorized, await loggedIn.MeStatusAsync());
        using var fresh = new BrowserClient(app, https: false);
        Assert.Equal(HttpStatusCode.Unauthorized, await fresh.LoginAsync("frank", AccountsDatabase.UserPassword));
        fresh.ClientIp = "2001:db8:4::1";
        Assert.Equal(HttpStatusCode.OK, await fresh.LoginAsync("frank", NewPassword));
    }

    [Fact]
    public async Task AnOlderTokenStopsWorkingOnceThePasswordChanged()
    {
        await using var app = await StartAsync("gina");
        using var browser = new BrowserClient(app, https: false);
        await browser.FetchCsrfAsync();

        var older = await RequestTokenAsync(app, browser, "gina@example.com");
        var newer = await RequestTokenAsync(app, browser, "gina@example.com");
        Assert.Equal(HttpStatusCode.NoContent, await ConfirmAsync(browser, newer, NewPassword));

        Assert.Equal(HttpStatusCode.BadRequest, await ConfirmAsync(browser, older, "yet-another-Passw0rd"));
    }

    [Fact]
    public async Task TokenExpiresAfterPasswordResetTimeout()
    {
        // 60 s is the shortest lifetime the rulebook accepts (VIQ-E080).
        await using var app = await StartAsync("hugo", ("PASSWORD_RESET_TIMEOUT", "60"));
        using var browser = new BrowserClient(app, https: false);
        await browser.FetchCsrfAsync();

        var token = await RequestTokenAsync(app, browser, "hugo@example.com");
        await Task.Delay(TimeSpan.FromSeconds(61), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, await ConfirmAsync(browser, token, NewPassword));
    }

    [Fact]
    public async Task UnknownAddressGetsTheSame202AndNoMail()
    {
        await using var app = await StartAsync("iris");
        using var browser = new BrowserClient(app, https: false);
        await browser.FetchCsrfAsync();

        using var response = await browser.PostJsonAsync("/api/auth/password-reset/", new { email = "nobody@example.com" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await RequestTokenAsync(app, browser, "iris@example.com");
        Assert.DoesNotContain("E-mail to nobody@example.com", app.Stdout);
    }

    [GeneratedRegex(@"Token: (\S+)")]
    private static partial Regex TokenLine();
}
