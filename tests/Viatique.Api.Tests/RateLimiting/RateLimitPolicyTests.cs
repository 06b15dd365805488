using Microsoft.AspNetCore.Http;
using Viatique.Api.RateLimiting;

namespace Viatique.Api.Tests.RateLimiting;

public class RateLimitPolicyTests
{
    [Theory]
    [InlineData("/api/auth/login/", "login")]
    [InlineData("/api/auth/login", "login")]
    [InlineData("/api/auth/me/", "api")]
    [InlineData("/api/media/", "api")]
    [InlineData("/health/", null)]
    [InlineData("/health/live/", null)]
    [InlineData("/metrics", null)]
    [InlineData("/admin/", null)]
    [InlineData("/apiary", null)]
    public void ClassifiesRequestsByPath(string path, string? policy) =>
        Assert.Equal(policy, RateLimitPolicy.For(new PathString(path))?.Name);

    [Fact]
    public void PoliciesAreTheRulebooks()
    {
        Assert.Equal((20, 10.0), (RateLimitPolicy.Api.Burst, RateLimitPolicy.Api.TokensPerSecond));
        Assert.Equal(3, RateLimitPolicy.Login.Burst);
        Assert.Equal(5.0, RateLimitPolicy.Login.TokensPerSecond * 60, precision: 6);
    }
}
