using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Viatique.Api.Data;

namespace Viatique.Api.RateLimiting;

public static class RateLimitingExtensions
{
    // Reads CELERY_BROKER_URL / REDIS_URL (through the data layer's RedisConnection) to share limits.
    public static IHostApplicationBuilder AddViatiqueRateLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => new ClientRateLimiter(sp.GetRequiredService<ILoggerFactory>(), sp.GetService<RedisConnection>()));
        builder.Services.AddSingleton<RejectionLog>();
        builder.Services.AddRateLimiter(limits =>
        {
            limits.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limits.OnRejected = (context, _) =>
            {
                var http = context.HttpContext;
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }
                var policy = RateLimitPolicy.For(http.Request.Path)?.Name ?? "api";
                http.RequestServices.GetRequiredService<RejectionLog>().Rejected(policy, ClientRateLimiter.ClientOf(http), http.Request.Path);
                return ValueTask.CompletedTask;
            };
        });
        builder.Services.AddOptions<RateLimiterOptions>()
            .Configure<ClientRateLimiter>((limits, limiter) => limits.GlobalLimiter = limiter);
        return builder;
    }

    public static WebApplication UseViatiqueRateLimits(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }
}
