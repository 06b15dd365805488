using System.Security.Cryptography;
using System.Text;
using Prometheus;
using Viatique.Api.Settings;

namespace Viatique.Api.Metrics;

public static class MetricsEndpoints
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>
    /// .NET meters (Npgsql's pool: <c>npgsql_db_client_connection_count</c>, EF Core, Kestrel) are
    /// exported too; the runtime's private QUIC diagnostics are left out.
    /// </summary>
    public static IHostApplicationBuilder AddViatiqueMetrics(this IHostApplicationBuilder builder)
    {
        Prometheus.Metrics.ConfigureMeterAdapter(options =>
            options.InstrumentFilterPredicate = instrument => !instrument.Meter.Name.StartsWith("Private.", StringComparison.Ordinal));
        return builder;
    }

    /// <summary>Request counts and durations by route and status (after routing, so the route is known).</summary>
    public static WebApplication UseViatiqueMetrics(this WebApplication app)
    {
        app.UseHttpMetrics(options => options.ReduceStatusCodeCardinality());
        return app;
    }

    /// <summary>
    /// Prometheus text at /metrics, opened only by <c>Authorization: Bearer $METRICS_TOKEN</c>;
    /// without a token configured the endpoint does not exist (404). nginx never routes it.
    /// </summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app, ViatiqueSettings settings)
    {
        if (settings.MetricsToken is not { } token)
        {
            return app;
        }
        var expected = Encoding.UTF8.GetBytes("Bearer " + token);
        // A route handler (not a bare RequestDelegate), so the API document describes it too.
        app.MapGet("/metrics", async (HttpContext http, CancellationToken _) =>
        {
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(http.Request.Headers.Authorization.ToString()), expected))
            {
                http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                http.Response.Headers.WWWAuthenticate = "Bearer";
                return;
            }
            http.Response.ContentType = ContentType;
            await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(http.Response.Body, http.RequestAborted);
        }).AllowAnonymous()
            .Produces<string>(StatusCodes.Status200OK, ContentType)
            .Produces(StatusCodes.Status401Unauthorized);
        return app;
    }
}
