using System.Threading.RateLimiting;

namespace Viatique.Api.RateLimiting;

/// <summary>
/// A token bucket per client IP, nginx's <c>limit_req … burst=N nodelay</c>: up to
/// <see cref="Burst"/> requests at once, refilled at <see cref="TokensPerPeriod"/> per <see cref="Period"/>.
/// </summary>
public sealed record RateLimitPolicy(string Name, int Burst, int TokensPerPeriod, TimeSpan Period)
{
    /// <summary>/api/: 10 requests per second, burst 20 (rulebook §4.2).</summary>
    public static readonly RateLimitPolicy Api = new("api", 20, 10, TimeSpan.FromSeconds(1));

    /// <summary>/api/auth/login/: 5 requests per minute, burst 3 (rulebook §4.2).</summary>
    public static readonly RateLimitPolicy Login = new("login", 3, 1, TimeSpan.FromSeconds(12));

    public static readonly IReadOnlyList<RateLimitPolicy> All = [Api, Login];

    public double TokensPerSecond => TokensPerPeriod / Period.TotalSeconds;

    /// <summary>Which bucket a request draws from: none for health, metrics and everything outside /api/.</summary>
    public static RateLimitPolicy? For(PathString path) =>
        path.StartsWithSegments("/api/auth/login") ? Login
        : path.StartsWithSegments("/api") ? Api
        : null;

    public TokenBucketRateLimiterOptions LocalOptions() => new()
    {
        TokenLimit = Burst,
        TokensPerPeriod = TokensPerPeriod,
        ReplenishmentPeriod = Period,
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
