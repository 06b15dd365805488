namespace Viatique.Api.Health;

public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health").AllowAnonymous();
        health.MapGet("/live/", () => TypedResults.Ok(new LiveStatus("alive")));
        return app;
    }

    public sealed record LiveStatus(string Status);
}
