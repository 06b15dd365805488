using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Viatique.Api.Auth;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Auth;

/// <summary>Deny by default: walks the host's real endpoint table.</summary>
public class EndpointAuditTests
{
    static Dictionary<string, string> Env(string directory) => TestEnv.Development(
        ("DATABASE_URL", $"sqlite:///{directory}/audit.db"),
        ("METRICS_TOKEN", "metrics-token-for-the-audit-0123456789"));

    [Fact]
    public async Task OnlyTheAllowlistIsAnonymous()
    {
        var directory = Directory.CreateTempSubdirectory("viatique-audit-").FullName;
        var (app, _) = ViatiqueApp.Create([], Env(directory));
        await using var _ = app;
        var sources = ((IEndpointRouteBuilder)app).DataSources;

        Assert.Empty(AnonymousEndpoints.Unexpected(sources, development: true));
        var anonymous = AnonymousEndpoints.Anonymous(sources).Select(e => "/" + e.Route.Trim('/')).ToHashSet();
        Assert.Equal(AnonymousEndpoints.Allowlist.Concat(AnonymousEndpoints.DevelopmentAllowlist).Order(), anonymous.Order());
        // And the table is not trivially small: the protected endpoints are there too.
        var all = sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>().Select(e => e.RoutePattern.RawText).ToList();
        Assert.Contains("/api/media/", all);
        Assert.Contains("/admin/", all);
        Assert.Contains("/api/auth/me/", all);
    }

    [Fact]
    public async Task OutsideDevelopmentTheAllowlistIsExactlyWhatIsAnonymous()
    {
        var (app, _) = ViatiqueApp.Create([], TestEnv.Production(("METRICS_TOKEN", "metrics-token-for-the-audit-0123456789")));
        await using var _ = app;
        var sources = ((IEndpointRouteBuilder)app).DataSources;

        // The API document exists, but not anonymously; the reference page does not exist at all.
        Assert.Empty(AnonymousEndpoints.Unexpected(sources, development: false));
        var anonymous = AnonymousEndpoints.Anonymous(sources).Select(e => "/" + e.Route.Trim('/')).ToHashSet();
        Assert.Equal(AnonymousEndpoints.Allowlist.Order(), anonymous.Order());
        var all = sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>().Select(e => e.RoutePattern.RawText).ToList();
        Assert.Contains("/openapi/{documentName}.json", all);
        Assert.DoesNotContain(all, route => route!.StartsWith("/scalar", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ANewAnonymousEndpointIsCaught()
    {
        var directory = Directory.CreateTempSubdirectory("viatique-audit-").FullName;
        var (app, _) = ViatiqueApp.Create([], Env(directory));
        await using var _ = app;
        app.MapGet("/api/leaky/", () => "secret").AllowAnonymous();

        var unexpected = Assert.Single(AnonymousEndpoints.Unexpected(((IEndpointRouteBuilder)app).DataSources, development: true));
        Assert.Equal("/api/leaky/", unexpected.Route);
    }

    [Fact]
    public async Task CheckDeployFindsNoUnexpectedAnonymousEndpoint()
    {
        var directory = Directory.CreateTempSubdirectory("viatique-audit-").FullName;
        var (_, stdout, _) = await AppProcess.RunAsync(TestEnv.Development(("DATABASE_URL", $"sqlite:///{directory}/audit.db")), "check --deploy");

        Assert.DoesNotContain("VIQ-E105", stdout);
        Assert.DoesNotContain("not yet available: no endpoint reachable anonymously", stdout);
    }
}
