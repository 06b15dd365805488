using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Viatique.Api.ApiDocs;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.ApiDocs;

/// <summary>
/// The OpenAPI document against the host's real endpoint table, served by real Kestrel: every
/// endpoint described, the document valid, Development's reference page served by the host itself.
/// </summary>
public class ApiDocumentTests
{
    static WebApplication DevelopmentApp()
    {
        var directory = Directory.CreateTempSubdirectory("viatique-apidocs-").FullName;
        var (app, _) = ViatiqueApp.Create(["--urls=http://127.0.0.1:0"], TestEnv.Development(
            ("DATABASE_URL", $"sqlite:///{directory}/docs.db"),
            ("METRICS_TOKEN", "metrics-token-for-the-api-document-test")));
        return app;
    }

    static async Task<(HttpClient Client, WebApplication App)> StartAsync(WebApplication app)
    {
        await app.StartAsync(TestContext.Current.CancellationToken);
        var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Host = "localhost";
        return (client, app);
    }

    static async Task<OpenApiDocument> FetchDocumentAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.StartsWith("3.", JsonDocument.Parse(json).RootElement.GetProperty("openapi").GetString());
        var read = OpenApiDocument.Parse(json, "json", new OpenApiReaderSettings());
        Assert.True(read.Diagnostic is null || read.Diagnostic.Errors.Count == 0,
            "invalid OpenAPI: " + string.Join("; ", read.Diagnostic?.Errors.Select(e => $"{e.Pointer}: {e.Message}") ?? []));
        return read.Document!;
    }

    /// <summary>
    /// (method, path) of every endpoint a client can call, as the document writes paths: the
    /// route's own spelling (trailing slash included) without route constraints. Left out: what only Development
    /// maps to show the document itself.
    /// </summary>
    static SortedSet<string> Endpoints(WebApplication app) =>
    [
        .. from source in ((IEndpointRouteBuilder)app).DataSources
           from endpoint in source.Endpoints.OfType<RouteEndpoint>()
           where endpoint.Metadata.GetMetadata<DevelopmentOnlyEndpoint>() is null
              && endpoint.RoutePattern.RawText != ApiDocsExtensions.DocumentRoute
              // The job dashboard: Hangfire's HTML pages for operators, not part of the API.
              && endpoint.RoutePattern.RawText != "/admin/jobs/{**path}"
           from method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]
           select $"{method} {Normalize(endpoint.RoutePattern.RawText!)}",
    ];

    static string Normalize(string route) =>
        System.Text.RegularExpressions.Regex.Replace(route, @"\{(\w+)(:[^}]*)?\}", "{$1}");

    static SortedSet<string> Described(OpenApiDocument document) =>
    [
        .. from path in document.Paths
           from operation in path.Value.Operations ?? []
           select $"{operation.Key.Method.ToUpperInvariant()} {path.Key}",
    ];

    [Fact]
    public async Task TheDocumentIsValidAndDescribesEveryEndpoint()
    {
        var (client, app) = await StartAsync(DevelopmentApp());
        await using var _ = app;
        using var __ = client;

        var document = await FetchDocumentAsync(client);

        Assert.Equal(string.Join("\n", Endpoints(app)), string.Join("\n", Described(document)));
        Assert.Contains("GET /api/media/{id}", Described(document));
        Assert.Contains("GET /metrics", Described(document));
    }

    [Fact]
    public async Task AnEndpointLeftOutOfTheDocumentIsCaught()
    {
        var app = DevelopmentApp();
        app.MapGet("/api/hidden/", () => "nobody knows").ExcludeFromDescription();
        var (client, _) = await StartAsync(app);
        await using var _ = app;
        using var __ = client;

        var undescribed = Endpoints(app).Except(Described(await FetchDocumentAsync(client)));

        Assert.Equal("GET /api/hidden/", Assert.Single(undescribed));
    }

    [Fact]
    public async Task StatusCodesSessionAndCsrfAreDescribed()
    {
        var (client, app) = await StartAsync(DevelopmentApp());
        await using var _ = app;
        using var __ = client;
        var document = await FetchDocumentAsync(client);
        OpenApiOperation Operation(string path, string method) => document.Paths[path].Operations![new HttpMethod(method)];
        static SortedSet<string> Codes(OpenApiOperation operation) => [.. operation.Responses!.Keys];
        static SortedSet<string> Schemes(OpenApiOperation operation) => [.. (operation.Security ?? []).SelectMany(r => r.Keys).Select(k => k.Reference.Id!)];

        // Upload: its body, the pipeline's refusals, the session and the CSRF header.
        var upload = Operation("/api/media/", "POST");
        Assert.Contains("multipart/form-data", upload.RequestBody!.Content!.Keys);
        Assert.Superset(new SortedSet<string> { "201", "400", "401", "403", "413", "415", "429" }, Codes(upload));
        Assert.Equal(["csrfHeader", "sessionCookie"], Schemes(upload));
        Assert.Equal("application/problem+json", Operation("/api/media/", "POST").Responses!["413"].Content!.Keys.Single());
        Assert.True(Operation("/api/media/", "POST").Responses!["429"].Headers!.ContainsKey("Retry-After"));

        // Login: anonymous, but CSRF-protected; JSON in and out; 401 for wrong credentials.
        var login = Operation("/api/auth/login/", "POST");
        Assert.Contains("application/json", login.RequestBody!.Content!.Keys);
        Assert.Superset(new SortedSet<string> { "200", "400", "401", "403", "413", "415", "429" }, Codes(login));
        Assert.Equal(["csrfHeader"], Schemes(login));

        // Reading needs the session only; the admin area says 403 for non-admins; health needs nothing.
        Assert.Equal(["sessionCookie"], Schemes(Operation("/api/auth/me/", "GET")));
        Assert.Contains("403", Codes(Operation("/admin/", "GET")));
        Assert.Empty(Schemes(Operation("/health/", "GET")));
        Assert.Superset(new SortedSet<string> { "200", "503" }, Codes(Operation("/health/", "GET")));
        Assert.Equal(["metricsToken"], Schemes(Operation("/metrics", "GET")));
        Assert.Equal(["csrfHeader", "metricsToken", "sessionCookie"], new SortedSet<string>(document.Components!.SecuritySchemes!.Keys));
    }

    [Fact]
    public async Task TheReferencePageAndItsScriptAreServedByTheHostInDevelopment()
    {
        var (client, app) = await StartAsync(DevelopmentApp());
        await using var _ = app;
        using var __ = client;

        using var page = await client.GetAsync("/scalar/v1", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("<script src=\"/scalar/scalar.js\"", html);
        Assert.DoesNotContain("cdn.jsdelivr.net", html);
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp);

        using var script = await client.GetAsync("/scalar/scalar.js", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.True((await script.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).Length > 100_000, "the bundled reference script is served");

        // The API keeps its strict policy: the reference page's policy is its own.
        using var api = await client.GetAsync("/health/live/", TestContext.Current.CancellationToken);
        Assert.Equal(Viatique.Api.Hosting.SecurityHeaders.ContentSecurityPolicy, api.Headers.GetValues("Content-Security-Policy").Single());
    }
}

/// <summary>Outside Development the document is for admins and the reference page does not exist.</summary>
public class ApiDocumentInProductionTests(PostgresServer postgres, RedisServer redis) : IAsyncLifetime
{
    AccountsDatabase _db = null!;
    AppProcess _app = null!;

    public async ValueTask InitializeAsync()
    {
        _db = await AccountsDatabase.CreateAsync(postgres, redis, "apidocs");
        await _db.CreateUserAsync("olga");
        _app = _db.Start();
        await _app.WaitUntilListeningAsync();
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task TheDocumentIsForAdminsOnly()
    {
        using var anonymous = new BrowserClient(_app);
        using (var response = await anonymous.GetAsync("/openapi/v1.json"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        using (var reference = await anonymous.GetAsync("/scalar/v1"))
        {
            Assert.Equal(HttpStatusCode.NotFound, reference.StatusCode);
        }

        using var user = new BrowserClient(_app);
        Assert.Equal(HttpStatusCode.OK, await user.LoginAsync("olga", AccountsDatabase.UserPassword));
        using (var response = await user.GetAsync("/openapi/v1.json"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using var admin = new BrowserClient(_app);
        Assert.Equal(HttpStatusCode.OK, await admin.LoginAsync("admin", AccountsDatabase.AdminPassword));
        using (var response = await admin.GetAsync("/openapi/v1.json"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
            Assert.True(json.GetProperty("paths").TryGetProperty("/api/auth/login/", out _));
        }
    }
}
