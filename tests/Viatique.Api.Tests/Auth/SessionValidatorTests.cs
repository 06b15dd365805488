using System.Security.Claims;
using Viatique.Api.Auth;

namespace Viatique.Api.Tests.Auth;

public class SessionValidatorTests
{
    static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    static ClaimsPrincipal Session(string stamp, params string[] roles)
    {
        var identity = new ClaimsIdentity("test", ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, "u1"));
        identity.AddClaim(SessionValidator.StampClaimOf(stamp));
        identity.AddClaims(roles.Select(r => new Claim(ClaimTypes.Role, r)));
        return new ClaimsPrincipal(identity);
    }

    static SessionValidator.UserState User(string stamp = "s1", string[]? roles = null, DateTimeOffset? lockoutEnd = null, bool exists = true) =>
        new(exists, stamp, SessionValidator.RolesOf(roles ?? []), lockoutEnd, Now);

    [Fact]
    public void AnUnchangedUserKeepsTheSession() =>
        Assert.Null(SessionValidator.WhyEnded(Session("s1", "admin"), User(roles: ["admin"]), Now));

    [Fact]
    public void RoleOrderDoesNotMatter() =>
        Assert.Null(SessionValidator.WhyEnded(Session("s1", "b", "a"), User(roles: ["a", "b"]), Now));

    [Fact]
    public void ADemotedUserLosesTheSession() =>
        Assert.Equal("roles changed", SessionValidator.WhyEnded(Session("s1", "admin"), User(), Now));

    [Fact]
    public void ALockedUserLosesTheSession() =>
        Assert.Equal("user locked", SessionValidator.WhyEnded(Session("s1"), User(lockoutEnd: Now.AddMinutes(5)), Now));

    [Fact]
    public void AnExpiredLockDoesNotEndTheSession() =>
        Assert.Null(SessionValidator.WhyEnded(Session("s1"), User(lockoutEnd: Now.AddMinutes(-5)), Now));

    [Fact]
    public void ADeletedUserLosesTheSession() =>
        Assert.Equal("user deleted", SessionValidator.WhyEnded(Session("s1"), User(exists: false), Now));

    [Fact]
    public void ANewSecurityStampEndsTheSession() =>
        Assert.Equal("credentials changed", SessionValidator.WhyEnded(Session("s1"), User(stamp: "s2"), Now));
}
