using System.Net;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Auth;

/// <summary>The reset endpoint validates the address and never depends on PostgreSQL (the work is a job).</summary>
public class ResetRequestTests(PostgresServer postgres, RedisServer redis)
{
    [Theory]
    [InlineData("x\u0000")]
    [InlineData("a\u0007@example.com")]
    [InlineData("")]
    public async Task AnAddressWithControlCharactersOrNothingIs400AndTheHostKeepsServing(string email)
    {
        var db = await AccountsDatabase.CreateAsync(postgres, redis, "resetinput", ("CELERY_BROKER_URL", redis.Url(9)));
        await using var app = db.Start();
        await app.WaitUntilListeningAsync(TimeSpan.FromSeconds(60));
        using var browser = new BrowserClient(app);
        await browser.FetchCsrfAsync();

        using var response = await browser.PostJsonAsync("/api/auth/password-reset/", new { email });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var health = await browser.GetAsync("/health/");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.False(app.HasExited);
    }

    [Fact]
    public async Task A300CharacterAddressIs400()
    {
        var db = await AccountsDatabase.CreateAsync(postgres, redis, "resetlong", ("CELERY_BROKER_URL", redis.Url(9)));
        await using var app = db.Start();
        await app.WaitUntilListeningAsync(TimeSpan.FromSeconds(60));
        using var browser = new BrowserClient(app);
        await browser.FetchCsrfAsync();

        using var response = await browser.PostJsonAsync("/api/auth/password-reset/", new { email = new string('a', 288) + "@example.com" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var health = await browser.GetAsync("/health/");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task AResetWhilePostgresIsStoppedIsAcceptedAndTheHostKeepsServing()
    {
        var own = new PostgresServer();
        await own.InitializeAsync();
        try
        {
            var db = await AccountsDatabase.CreateAsync(own, redis, "resetpgdown", ("CELERY_BROKER_URL", redis.Url(10)));
            await using var app = db.Start();
            await app.WaitUntilListeningAsync(TimeSpan.FromSeconds(60));
            using var browser = new BrowserClient(app);
            await browser.FetchCsrfAsync();

            await own.StopAsync();
            using (var response = await browser.PostJsonAsync("/api/auth/password-reset/", new { email = "someone@example.com" }))
            {
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }
            await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);

            Assert.False(app.HasExited);
            using var health = await browser.GetAsync("/health/");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            using var again = await browser.PostJsonAsync("/api/auth/password-reset/", new { email = "someone@example.com" });
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        }
        finally
        {
            await own.DisposeAsync();
        }
    }
}
