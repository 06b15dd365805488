using System.Net;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Jobs;

/// <summary>/admin/jobs/ is behind our admin policy, hides the storage's address, and job counts reach /metrics.</summary>
public class JobsDashboardTests(PostgresServer postgres, RedisServer redis)
{
    const string MetricsToken = "metrics-token-for-the-dashboard-test";

    [Fact]
    public async Task DashboardIsForAdminsOnly()
    {
        var db = await AccountsDatabase.CreateAsync(postgres, redis, "dashboard", ("CELERY_BROKER_URL", redis.Url(7)));
        var created = await AppProcess.RunAsync(new Dictionary<string, string>(db.Env) { ["VIATIQUE_SUPERUSER_PASSWORD"] = AccountsDatabase.UserPassword },
            "createuser --username petra --email petra@example.com");
        Assert.True(created.ExitCode == 0, created.Stderr);
        await using var app = db.Start();
        await app.WaitUntilListeningAsync(TimeSpan.FromSeconds(60));

        using var anonymous = new BrowserClient(app);
        using (var response = await anonymous.GetAsync("/admin/jobs/"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        using var user = new BrowserClient(app);
        Assert.Equal(HttpStatusCode.OK, await user.LoginAsync("petra", AccountsDatabase.UserPassword));
        using (var response = await user.GetAsync("/admin/jobs/"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
        using var admin = new BrowserClient(app);
        admin.ClientIp = "2001:db8:7::1";
        Assert.Equal(HttpStatusCode.OK, await admin.LoginAsync("admin", AccountsDatabase.AdminPassword));
        foreach (var page in new[] { "/admin/jobs/", "/admin/jobs/servers", "/admin/jobs/recurring" })
        {
            using var response = await admin.GetAsync(page);
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{page}: {(int)response.StatusCode}");
            Assert.Contains("Viatique jobs", body);
            Assert.DoesNotContain(redis.Password, body);
            Assert.DoesNotContain(redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), body);
        }
    }

    [Fact]
    public async Task DashboardWorksBehindNginxUnderAdminJobs()
    {
        var db = await AccountsDatabase.CreateAsync(postgres, redis, "dashnginx", ("CELERY_BROKER_URL", redis.Url(12)));
        await using var app = db.Start();
        await app.WaitUntilListeningAsync(TimeSpan.FromSeconds(60));
        using var admin = new BrowserClient(app);
        Assert.Equal(HttpStatusCode.OK, await admin.LoginAsync("admin", AccountsDatabase.AdminPassword));
        await using var nginx = new NginxServer();
        await nginx.StartAsync($$"""
            server {
                listen 127.0.0.1:{port};
                location /admin/ {
                    proxy_pass http://127.0.0.1:{{app.Port}};
                    proxy_set_header Host $host;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    proxy_set_header X-Forwarded-Proto https;
                }
            }
            """);
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = nginx.BaseAddress };
        async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Host = BrowserClient.Site;
            request.Headers.TryAddWithoutValidation("Cookie", $"sessionid={admin.Cookie("sessionid")}");
            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        var (status, body) = await GetAsync("/admin/jobs/");

        Assert.Equal(HttpStatusCode.OK, status);
        var stylesheet = System.Text.RegularExpressions.Regex.Match(body, "href=\"(/admin/jobs/css[^\"]*)\"");
        Assert.True(stylesheet.Success, "the page links its stylesheet under /admin/jobs/");
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(stylesheet.Groups[1].Value)).Status);
        Assert.Contains("href=\"/admin/jobs/servers\"", body);
    }

    [Fact]
    public async Task JobCountsAppearOnMetrics()
    {
        var db = await AccountsDatabase.CreateAsync(postgres, redis, "jobmetrics", ("CELERY_BROKER_URL", redis.Url(8)), ("METRICS_TOKEN", MetricsToken));
        await db.CreateUserAsync("quinn");
        await using var app = db.Start();
        await app.WaitUntilListeningAsync(TimeSpan.FromSeconds(60));
        using var browser = new BrowserClient(app);
        await browser.FetchCsrfAsync();
        using (var reset = await browser.PostJsonAsync("/api/auth/password-reset/", new { email = "quinn@example.com" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, reset.StatusCode);
        }

        using var http = Clients.For(app);
        async Task<(HttpStatusCode Status, string Text)> ScrapeAsync()
        {
            using var request = Clients.Get("/metrics", ("Authorization", "Bearer " + MetricsToken), ("Host", "localhost"));
            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
        // The 202 may come before the job reaches the queue on a busy machine: scrape until it shows (up to 30 s).
        const string Enqueued = "viatique_jobs_enqueued{queue=\"default\"} 1";
        var (status, text) = await ScrapeAsync();
        for (var deadline = DateTime.UtcNow.AddSeconds(30); !text.Contains(Enqueued, StringComparison.Ordinal) && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(500, TestContext.Current.CancellationToken);
            (status, text) = await ScrapeAsync();
        }

        Assert.Equal(HttpStatusCode.OK, status);
        // No worker runs: the request waits in the default queue.
        Assert.Contains(Enqueued, text);
        Assert.Contains("viatique_jobs{state=\"failed\"}", text);
        Assert.Contains("viatique_job_servers 0", text);
    }
}
