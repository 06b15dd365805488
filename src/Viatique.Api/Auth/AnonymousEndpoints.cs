using Microsoft.AspNetCore.Authorization;

namespace Viatique.Api.Auth;

/// <summary>
/// The rulebook's "no AllowAny": the only endpoints open to anonymous callers are these. Every
/// other endpoint falls under the fallback policy (a signed-in user). A test and
/// <c>check --deploy</c> (VIQ-E105) walk the real endpoint table against this list.
/// </summary>
public static class AnonymousEndpoints
{
    public static readonly IReadOnlySet<string> Allowlist = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "/health", "/health/live",
        "/api/auth/csrf", "/api/auth/login",
        "/api/auth/password-reset", "/api/auth/password-reset/confirm",
        // Not anonymous in practice: it checks its own bearer token (METRICS_TOKEN).
        "/metrics",
    };

    /// <summary>
    /// Development only (SPEC §14): the API document and its reference page, for the developer at
    /// the keyboard. Elsewhere the document needs an admin and the page is not mapped at all.
    /// </summary>
    public static readonly IReadOnlySet<string> DevelopmentAllowlist = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "/openapi/{documentName}.json",
        "/scalar/{documentName?}", "/scalar/scalar.js", "/scalar/scalar.aspnetcore.js", "/scalar/favicon.svg",
    };

    public sealed record Endpoint(string Route, string Methods);

    /// <summary>Endpoints that let anonymous callers in without being on the allowlist.</summary>
    public static IReadOnlyList<Endpoint> Unexpected(IEnumerable<EndpointDataSource> sources, bool development) =>
        [.. Anonymous(sources).Where(e => !Allowlist.Contains(Normalize(e.Route)) && !(development && DevelopmentAllowlist.Contains(Normalize(e.Route))))];

    public static IEnumerable<Endpoint> Anonymous(IEnumerable<EndpointDataSource> sources) =>
        from source in sources
        from endpoint in source.Endpoints.OfType<RouteEndpoint>()
        where endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null
        select new Endpoint(endpoint.RoutePattern.RawText ?? "", string.Join(",", endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]));

    static string Normalize(string route) => "/" + route.Trim('/');
}
