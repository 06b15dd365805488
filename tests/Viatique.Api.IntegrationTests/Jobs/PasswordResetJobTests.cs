using System.Net;
using System.Text.RegularExpressions;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Jobs;

/// <summary>
/// The reset flow as jobs in Redis: serve only enqueues, a worker sends, nothing is lost when
/// serve restarts, SMTP outages are retried, and one address gets at most one mail per five minutes.
/// </summary>
public partial class PasswordResetJobTests(PostgresServer postgres, RedisServer redis)
{
    static async Task RequestResetAsync(AppProcess app, string email)
    {
        using var browser = new BrowserClient(app);
        await browser.FetchCsrfAsync();
        using var response = await browser.PostJsonAsync("/api/auth/password-reset/", new { email });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}\n{app.Stdout}");
    }

    [Fact]
    public async Task ServeOnlyEnqueuesAndAWorkerStartedAfterARestartSendsTheMail()
    {
        using var smtp = new SmtpServer();
        await smtp.StartAsync();
        var db = await AccountsDatabase.CreateAsync(postgres, redis, "resetjob", [.. smtp.Env(), ("CELERY_BROKER_URL", redis.Url(1))]);
        await db.CreateUserAsync("jane");

        await using (var serve = db.Start())
        {
            await serve.WaitUntilListeningAsync(TimeSpan.FromSeconds(60));
            await RequestResetAsync(serve, "jane@example.com");
            await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
            Assert.Equal(0, smtp.Received);
            serve.Signal("TERM");
            Assert.Equal(0, await serve.WaitForExitAsync());
        }
        await using var restarted = db.Start();
        await restarted.WaitUntilListeningAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, smtp.Received);

        await using var worker = JobRoles.Start(db.Env, "worker");
        await Eventually.TrueAsync(() => smtp.Received == 1, seconds: 30);

        // The token rides in the link's fragment, never in a query string a proxy would log.
        Assert.Contains("https://viatique.example.com/password-reset/confirm#token=", smtp.Output);
        Assert.DoesNotContain("confirm?token=", smtp.Output);
        var token = TokenLine().Match(smtp.Output).Groups[1].Value.TrimEnd('\'', '"');
        using var browser = new BrowserClient(restarted);
        await browser.FetchCsrfAsync();
        using var confirm = await browser.PostJsonAsync("/api/auth/password-reset/confirm/", new { token, password = "sent-by-the-worker-Passw0rd" });
        Assert.Equal(HttpStatusCode.NoContent, confirm.StatusCode);
    }

    [Fact]
    public async Task MailIsRetriedUntilTheSmtpServerComesBack()
    {
        using var smtp = new SmtpServer();
        var db = await AccountsDatabase.CreateAsync(postgres, redis, "smtpdown", [.. smtp.Env(), ("CELERY_BROKER_URL", redis.Url(2))]);
        await db.CreateUserAsync("kurt");
        await using var serve = db.Start();
        await using var worker = JobRoles.Start(db.Env, "worker");
        await serve.WaitUntilListeningAsync(TimeSpan.FromSeconds(60));

        await RequestResetAsync(serve, "kurt@example.com");
        await Eventually.TrueAsync(() => worker.Stdout.Contains("Retry attempt 1 of 10", StringComparison.Ordinal), seconds: 30);
        Assert.Equal(0, smtp.Received);
        await smtp.StartAsync();

        await Eventually.TrueAsync(() => smtp.Received == 1, seconds: 60);
        Assert.Contains("kurt@example.com", smtp.Output);
    }

    [Fact]
    public async Task FiveResetsForOneAddressWithinAMinuteSendOneMail()
    {
        using var smtp = new SmtpServer();
        await smtp.StartAsync();
        var db = await AccountsDatabase.CreateAsync(postgres, redis, "throttle", [.. smtp.Env(), ("CELERY_BROKER_URL", redis.Url(3))]);
        await db.CreateUserAsync("lena");
        await using var serve = db.Start();
        await using var worker = JobRoles.Start(db.Env, "worker");
        await serve.WaitUntilListeningAsync(TimeSpan.FromSeconds(60));

        // At once, so the five jobs race in the worker too.
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => RequestResetAsync(serve, "lena@example.com")));

        await Eventually.TrueAsync(() => smtp.Received >= 1, seconds: 30);
        // The other four jobs ran at the same moment; give any stray mail time to arrive.
        await Task.Delay(TimeSpan.FromSeconds(8), TestContext.Current.CancellationToken);
        Assert.Equal(1, smtp.Received);
    }

    [GeneratedRegex(@"Token: (\S+)")]
    private static partial Regex TokenLine();
}
