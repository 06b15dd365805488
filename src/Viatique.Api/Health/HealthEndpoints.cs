using Microsoft.AspNetCore.Http.HttpResults;

namespace Viatique.Api.Health;

public static class HealthEndpoints
{
    /// <summary>Checks the database and, when the data layer registered one, Redis.</summary>
    public static IHostApplicationBuilder AddViatiqueHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<HealthProbe>();
        return builder;
    }

    /// <summary>
    /// Health answers anonymously, whatever the Host header and scheme (a container probe sends
    /// Host: localhost over plain HTTP), and is never redirected nor rate limited.
    /// </summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health").AllowAnonymous();
        health.MapGet("/", CheckAsync)
            .Produces<HealthReport>(StatusCodes.Status200OK)
            .Produces<HealthReport>(StatusCodes.Status503ServiceUnavailable);
        health.MapGet("/live/", () => TypedResults.Ok(new LiveStatus("alive")));
        return app;
    }

    static async Task<JsonHttpResult<HealthReport>> CheckAsync(HealthProbe probe, HttpContext http)
    {
        var report = await probe.CheckAsync(http.RequestAborted);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(report, statusCode: report.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    public sealed record LiveStatus(string Status);
}
