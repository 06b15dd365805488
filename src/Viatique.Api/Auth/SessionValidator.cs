using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Viatique.Api.Data;
using Viatique.Api.Logging;

namespace Viatique.Api.Auth;

/// <summary>
/// Sessions follow the user (SPEC §6, Django's session auth hash): on every authenticated request
/// the session's user is compared with what the database says now — still there, same security
/// stamp, same roles, not locked — and a session that no longer matches is ended (row deleted,
/// cookie cleared). The database is asked at most once per user and <see cref="MaxStaleness"/>
/// per process, so the check costs a dictionary lookup on the hot path; a change made through
/// this process (a password reset, anything <see cref="ViatiqueUserManager"/> writes) is seen at
/// once (<see cref="Forget"/>), a change made elsewhere
/// (another replica, SQL, a command) within <see cref="MaxStaleness"/>.
/// </summary>
public sealed partial class SessionValidator(IServiceScopeFactory scopes, TimeProvider clock, ILoggerFactory loggers)
{
    public static readonly TimeSpan MaxStaleness = TimeSpan.FromSeconds(30);
    public const string StampClaim = "viatique.security_stamp";
    const int MaxCachedUsers = 100_000;

    readonly ConcurrentDictionary<string, UserState> _users = new(StringComparer.Ordinal);
    readonly ILogger _logger = loggers.CreateLogger(LoggerNames.Session);

    /// <summary>What a session is checked against (and what /me shows); <see cref="Exists"/> false for a deleted user.</summary>
    public sealed record UserState(bool Exists, string? Stamp, string Roles, DateTimeOffset? LockoutEnd, DateTimeOffset CheckedAt,
        string? UserName = null, string? Email = null);

    /// <summary>The claims a new session carries besides the user's id, name and roles.</summary>
    public static Claim StampClaimOf(string? stamp) => new(StampClaim, stamp ?? "");

    public async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        if (context.Principal?.FindFirstValue(ClaimTypes.NameIdentifier) is not { } userId)
        {
            return;
        }
        var state = await CurrentAsync(userId);
        if (WhyEnded(context.Principal, state, clock.GetUtcNow()) is not { } reason)
        {
            return;
        }
        SessionEnded(_logger, LogText.Clean(context.Principal.Identity?.Name), reason);
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(context.Scheme.Name);
    }

    /// <summary>Drops what this process knows of a user, so its next request re-reads the database.</summary>
    public void Forget(string userId) => _users.TryRemove(userId, out _);

    /// <summary>Why a session may no longer act for its user, or null while it may.</summary>
    public static string? WhyEnded(ClaimsPrincipal session, UserState user, DateTimeOffset now)
    {
        if (!user.Exists)
        {
            return "user deleted";
        }
        if (user.LockoutEnd > now)
        {
            return "user locked";
        }
        // Sessions from before the stamp claim existed are judged on the rest.
        if (session.FindFirstValue(StampClaim) is { } stamp && stamp != (user.Stamp ?? ""))
        {
            return "credentials changed";
        }
        return RolesOf(session.FindAll(ClaimTypes.Role).Select(c => c.Value)) != user.Roles ? "roles changed" : null;
    }

    public static string RolesOf(IEnumerable<string?> roles) =>
        string.Join('\n', roles.OfType<string>().Order(StringComparer.Ordinal));

    /// <summary>The user as this process last read it, at most <see cref="MaxStaleness"/> ago.</summary>
    public async Task<UserState> CurrentAsync(string userId)
    {
        var now = clock.GetUtcNow();
        if (_users.TryGetValue(userId, out var known) && now - known.CheckedAt < MaxStaleness)
        {
            return known;
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ViatiqueDbContext>();
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.SecurityStamp, u.LockoutEnd, u.LockoutEnabled, u.UserName, u.Email }).SingleOrDefaultAsync();
        var roles = user is null ? [] : await (
            from link in db.UserRoles
            join role in db.Roles on link.RoleId equals role.Id
            where link.UserId == userId
            select role.Name).ToListAsync();
        var state = new UserState(user is not null, user?.SecurityStamp, RolesOf(roles), user is { LockoutEnabled: true } ? user.LockoutEnd : null, now,
            user?.UserName, user?.Email);
        if (_users.Count >= MaxCachedUsers)
        {
            _users.Clear();
        }
        _users[userId] = state;
        return state;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session of {username} ended: {reason}")]
    static partial void SessionEnded(ILogger logger, string username, string reason);
}
