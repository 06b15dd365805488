using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Viatique.Deploy.Tests.Infrastructure;

namespace Viatique.Deploy.Tests.Stack;

/// <summary>nginx in front of the backend, as docker/docker-compose.prod.yml runs them (SPEC §10).</summary>
[Collection(ProductionStackCollection.Name)]
public sealed class EdgeTests(ProductionStack production)
{
    static readonly string[] SecurityHeaders =
    [
        "Strict-Transport-Security", "Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
        "Referrer-Policy", "Cross-Origin-Opener-Policy", "X-XSS-Protection",
    ];

    ComposeStack Stack => production.Stack;

    [Fact]
    public async Task Plain_http_is_redirected_with_301_to_https_on_the_same_host()
    {
        using var client = Stack.CreateClient();
        using var response = await client.GetAsync(new Uri(Stack.HttpBase, "/some/page?x=1"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal($"https://{Stack.Domain}/some/page?x=1", response.Headers.Location?.ToString());
    }

    [Fact]
    public async Task The_acme_challenge_is_served_over_plain_http_not_redirected()
    {
        var token = "tok" + Guid.NewGuid().ToString("N");
        (await Stack.ExecAsync("certbot", "sh", "-c",
            $"mkdir -p /var/www/certbot/.well-known/acme-challenge && printf proof-{token} > /var/www/certbot/.well-known/acme-challenge/{token}")).Check();
        using var client = Stack.CreateClient();
        using var response = await client.GetAsync(new Uri(Stack.HttpBase, $"/.well-known/acme-challenge/{token}"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"proof-{token}", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Health_over_https_is_the_backend_json()
    {
        using var client = Stack.CreateClient();
        using var response = await client.GetAsync("/health/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal("connected", body.GetProperty("database").GetString());
        Assert.Equal("connected", body.GetProperty("redis").GetString());
    }

    [Theory]
    [InlineData("/health/", "proxied")]
    [InlineData("/api/auth/csrf/", "proxied")]
    [InlineData("/static/site.css", "static")]
    [InlineData("/media/picture.png", "media")]
    [InlineData("/", "front end")]
    [InlineData("/trips/42", "front end (SPA fallback)")]
    [InlineData("/metrics", "nginx's own 404")]
    public async Task Every_security_header_is_on_every_https_response_exactly_once(string path, string kind)
    {
        await SeedFilesAsync();
        using var client = Stack.CreateClient();
        using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"{kind} {path}: {response.StatusCode}");
        foreach (var header in SecurityHeaders)
        {
            var values = response.Headers.TryGetValues(header, out var v) ? v.ToList() : [];
            Assert.True(values.Count == 1, $"{kind} {path}: {header} appears {values.Count} times ({string.Join(" | ", values)})");
        }
        Assert.StartsWith("max-age=31536000", response.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);
        Assert.Equal("0", response.Headers.GetValues("X-XSS-Protection").Single());
    }

    [Fact]
    public async Task No_nginx_version_in_headers_or_error_pages()
    {
        using var client = Stack.CreateClient();
        using var response = await client.GetAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("nginx", string.Join(' ', response.Headers.Server.Select(s => s.ToString())));
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.DoesNotContain("nginx/", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Media_files_are_served_as_files_never_run_nor_rendered()
    {
        await SeedFilesAsync();
        using var client = Stack.CreateClient();
        using (var php = await client.GetAsync("/media/x.php", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, php.StatusCode);
            Assert.Equal("application/octet-stream", php.Content.Headers.ContentType?.MediaType);
            Assert.Equal("<?php echo 6*7; ?>", await php.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
        using var html = await client.GetAsync("/media/page.html", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, html.StatusCode);
        Assert.Equal("application/octet-stream", html.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", html.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("sandbox", html.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        // An upload still arriving is nobody's file yet, even to someone who guessed its name.
        using var part = await client.GetAsync("/media/.incoming/0123456789abcdef0123456789abcdef.part", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, part.StatusCode);
        Assert.Equal("nosniff", part.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task A_body_over_50_MB_is_refused_with_413()
    {
        using var client = Stack.CreateClient();
        using var content = new ByteArrayContent(new byte[51 * 1024 * 1024]);
        content.Headers.ContentType = new("application/octet-stream");
        // Expect: 100-continue, as browsers' large uploads: nginx answers before the body is sent.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/media/") { Content = content };
        request.Headers.ExpectContinue = true;
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task Csrf_login_me_works_over_tls_with_secure_cookies_then_a_login_flood_gets_429()
    {
        var ct = TestContext.Current.CancellationToken;
        var password = "Pw-" + Guid.NewGuid().ToString("N");
        (await Stack.ComposeAsync("exec", "-T", "-e", $"VIATIQUE_SUPERUSER_PASSWORD={password}", "backend",
            "/app/Viatique.Api", "createsuperuser", "--username", "alice", "--email", "alice@example.com")).Check();

        var cookies = new CookieContainer();
        using var client = Stack.CreateClient(cookies);
        using var csrf = await client.GetAsync("/api/auth/csrf/", ct);
        Assert.Equal(HttpStatusCode.OK, csrf.StatusCode);
        Assert.Contains(csrf.Headers.GetValues("Set-Cookie"), c => c.StartsWith("csrftoken=", StringComparison.Ordinal) && c.Contains("secure", StringComparison.OrdinalIgnoreCase));
        var token = (await csrf.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("csrfToken").GetString()!;

        using var login = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login/") { Content = JsonContent.Create(new { username = "alice", password }) };
        login.Headers.Add("X-CSRFToken", token);
        login.Headers.Add("Origin", $"https://{Stack.Domain}");
        using var loggedIn = await client.SendAsync(login, ct);
        Assert.Equal(HttpStatusCode.OK, loggedIn.StatusCode);
        Assert.Contains(loggedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("sessionid=", StringComparison.Ordinal) && c.Contains("secure", StringComparison.OrdinalIgnoreCase));

        using var me = await client.GetAsync("/api/auth/me/", ct);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal("alice", (await me.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("username").GetString());

        // The login location's own limit: 5/min with a burst of 3, answered 429 with Retry-After.
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 12 && limited is null; i++)
        {
            using var attempt = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login/") { Content = JsonContent.Create(new { username = "alice", password = "wrong" }) };
            attempt.Headers.Add("X-CSRFToken", token);
            attempt.Headers.Add("Origin", $"https://{Stack.Domain}");
            var response = await client.SendAsync(attempt, ct);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }
        Assert.NotNull(limited);
        Assert.True(limited.Headers.RetryAfter is not null, "429 without Retry-After");
        limited.Dispose();
    }

    [Fact]
    public async Task The_backend_logs_the_real_client_ip_and_believes_https_through_trusted_proxies()
    {
        var ct = TestContext.Current.CancellationToken;
        var probe = Guid.NewGuid().ToString("N");
        var requestId = "deploy-test-" + probe;
        using var client = Stack.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/auth/csrf/?probe={probe}");
        request.Headers.Add("X-Request-ID", requestId);
        // A client's own X-Forwarded-For is never believed: nginx replaces it with what it saw.
        request.Headers.Add("X-Forwarded-For", "203.0.113.99");
        using var response = await client.SendAsync(request, ct);
        // SSL_ENABLED redirects plain HTTP with 308: a 200 means the backend believed nginx's https.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        string? backendLine = null, nginxLine = null;
        for (var i = 0; i < 20 && (backendLine is null || nginxLine is null); i++)
        {
            backendLine = (await Stack.LogsAsync("backend")).Split('\n').FirstOrDefault(l => l.Contains(requestId, StringComparison.Ordinal) && l.Contains("client_ip", StringComparison.Ordinal));
            nginxLine = (await Stack.LogsAsync("nginx")).Split('\n').FirstOrDefault(l => l.Contains($"probe={probe}", StringComparison.Ordinal));
            if (backendLine is null || nginxLine is null)
            {
                await Task.Delay(500, ct);
            }
        }
        Assert.NotNull(backendLine);
        Assert.NotNull(nginxLine);
        // nginx's access log starts with $remote_addr: the address the client came from.
        var seenByNginx = nginxLine[(nginxLine.IndexOf('|', StringComparison.Ordinal) + 1)..].Trim().Split(' ')[0];
        var json = JsonDocument.Parse(backendLine[backendLine.IndexOf('{', StringComparison.Ordinal)..]).RootElement;
        var clientIp = json.GetProperty("client_ip").GetString();
        Assert.Equal(seenByNginx, clientIp);
        Assert.NotEqual(Stack.NginxAddress, clientIp);
        Assert.NotEqual("203.0.113.99", clientIp);
    }

    /// <summary>A static file, an image, a PHP script and an HTML page where nginx serves them.</summary>
    async Task SeedFilesAsync() =>
        (await Stack.ExecAsync("backend", "sh", "-c", """
            printf 'body{}' > /app/staticfiles/site.css &&
            printf '\211PNG\r\n\032\n' > /app/media/picture.png &&
            printf '<?php echo 6*7; ?>' > /app/media/x.php &&
            printf '<html><script>alert(1)</script></html>' > /app/media/page.html &&
            mkdir -p /app/media/.incoming && printf 'half an upload' > /app/media/.incoming/0123456789abcdef0123456789abcdef.part
            """)).Check();
}
