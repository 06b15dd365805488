using System.Security.Claims;
using Hangfire;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Viatique.Api.Data;
using Viatique.Api.Logging;
using Viatique.Api.RateLimiting;

namespace Viatique.Api.Auth;

/// <summary>DRF-compatible session API for the Vue front end.</summary>
public static partial class AuthEndpoints
{
    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth");
        auth.MapGet("/csrf/", (CsrfTokens tokens, HttpContext http) => TypedResults.Ok(new CsrfResponse(tokens.Issue(http)))).AllowAnonymous();
        auth.MapPost("/login/", LoginAsync).AllowAnonymous().ProducesProblem(StatusCodes.Status401Unauthorized);
        auth.MapPost("/logout/", (Func<HttpContext, Task<NoContent>>)LogoutAsync);
        auth.MapGet("/me/", MeAsync);
        auth.MapPost("/password-reset/", RequestReset).AllowAnonymous();
        auth.MapPost("/password-reset/confirm/", ConfirmResetAsync).AllowAnonymous();
        return app;
    }

    public sealed record CsrfResponse(string CsrfToken);
    public sealed record LoginRequest(string? Username, string? Password);
    public sealed record UserResponse(string Username);
    public sealed record MeResponse(string Username, string? Email, bool IsAdmin);
    public sealed record ResetRequest(string? Email);
    public sealed record ResetConfirmation(string? Token, string? Password);

    /// <summary>SPEC §6: Django's username length, RFC 5321's address length, and enough for any passphrase.</summary>
    public const int MaxUsernameLength = 150;
    public const int MaxPasswordLength = 4096;
    public const int MaxTokenLength = 2048;

    /// <summary>
    /// Unknown user, wrong password and locked account do the same work (one user lookup, one
    /// password hash) and answer the same 401, so neither the body nor the time tells them apart.
    /// </summary>
    static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> LoginAsync(
        LoginRequest? body, UserManager<IdentityUser> users, LoginLockout lockout, CsrfTokens csrf, HttpContext http,
        IOptionsMonitor<CookieAuthenticationOptions> cookies, DatabaseTicketStore sessions, ILoggerFactory loggers)
    {
        if (string.IsNullOrWhiteSpace(body?.Username) || string.IsNullOrEmpty(body.Password))
        {
            return TypedResults.Problem("username and password are required", statusCode: StatusCodes.Status400BadRequest);
        }
        if (body.Username.Length > MaxUsernameLength || body.Password.Length > MaxPasswordLength || body.Username.Any(LogText.IsInvisible))
        {
            return TypedResults.Problem($"username must be at most {MaxUsernameLength} printable characters and password at most {MaxPasswordLength} characters",
                statusCode: StatusCodes.Status400BadRequest);
        }
        var logger = loggers.CreateLogger(LoggerNames.Login);
        var client = http.Connection.RemoteIpAddress?.ToString() ?? "-";
        var network = ClientNetwork.Of(http.Connection.RemoteIpAddress, LoginLockout.Ipv4NetworkPrefix);
        var username = LogText.Clean(body.Username, LogText.MaxUsernameLength);

        var user = await users.FindByNameAsync(body.Username);
        var lockedHere = await lockout.IsLockedAsync(body.Username, network);
        bool passwordMatches;
        if (user is null)
        {
            users.PasswordHasher.VerifyHashedPassword(new IdentityUser(), DummyHash.Value, body.Password);
            passwordMatches = false;
        }
        else
        {
            passwordMatches = await users.CheckPasswordAsync(user, body.Password);
        }
        var lockedByOperator = user is not null && await users.IsLockedOutAsync(user);
        if (user is null || !passwordMatches || lockedHere || lockedByOperator)
        {
            if (!passwordMatches && !lockedHere && await lockout.RecordFailureAsync(body.Username, network))
            {
                LockedOut(logger, username, network, LoginLockout.Duration.TotalMinutes, client);
            }
            LoginFailed(logger, username, client,
                user is null ? "unknown user" : lockedHere ? "locked for this network" : lockedByOperator ? "account locked" : "wrong password");
            return InvalidCredentials();
        }
        await lockout.ClearAsync(body.Username, network);

        // Django's cycle_key: the session the request carried (perhaps planted by someone else)
        // is deleted, and the login gets a new one (the cookie was set aside before authentication).
        if (SessionAuthentication.CarriedSession(http) is { } carried
            && cookies.Get(IdentityConstants.ApplicationScheme).TicketDataFormat.Unprotect(carried) is { } ticket
            && ticket.Principal.FindFirstValue(SessionIdClaim) is { } carriedKey)
        {
            await sessions.RemoveAsync(carriedKey);
        }

        var identity = new ClaimsIdentity(IdentityConstants.ApplicationScheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, user.Id));
        identity.AddClaim(new Claim(ClaimTypes.Name, user.UserName!));
        identity.AddClaim(SessionValidator.StampClaimOf(user.SecurityStamp));
        foreach (var role in await users.GetRolesAsync(user))
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, role));
        }
        await http.SignInAsync(IdentityConstants.ApplicationScheme, new ClaimsPrincipal(identity));
        // Like Django, a new CSRF token with the new session.
        csrf.Rotate(http);
        return TypedResults.Ok(new UserResponse(user.UserName!));
    }

    /// <summary>The claim under which the cookie handler keeps a session-store key (its own constant is private).</summary>
    const string SessionIdClaim = "Microsoft.AspNetCore.Authentication.Cookies-SessionId";

    static ProblemHttpResult InvalidCredentials() =>
        TypedResults.Problem("Invalid username or password.", statusCode: StatusCodes.Status401Unauthorized);

    static async Task<NoContent> LogoutAsync(HttpContext http)
    {
        await http.SignOutAsync(IdentityConstants.ApplicationScheme);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Answered from the session and the user as <see cref="SessionValidator"/> just checked it (at
    /// most its MaxStaleness old): no query on the hot path.
    /// </summary>
    static async Task<Results<Ok<MeResponse>, UnauthorizedHttpResult>> MeAsync(ClaimsPrincipal principal, SessionValidator validator)
    {
        if (principal.FindFirstValue(ClaimTypes.NameIdentifier) is not { } userId || await validator.CurrentAsync(userId) is not { Exists: true } user)
        {
            return TypedResults.Unauthorized();
        }
        return TypedResults.Ok(new MeResponse(user.UserName ?? principal.Identity?.Name ?? "", user.Email, principal.IsInRole(Roles.Admin)));
    }

    // The work (and the five-minute limit per address) is a job, so the answer and its timing
    // are the same for every address, and neither PostgreSQL nor SMTP being away reaches the caller.
    static Results<Accepted, ProblemHttpResult> RequestReset(ResetRequest? body, IBackgroundJobClient jobs, ILoggerFactory loggers)
    {
        var email = body?.Email?.Trim() ?? "";
        if (!PasswordResetJob.IsAcceptableEmail(email))
        {
            return TypedResults.Problem($"email must be an address of at most {PasswordResetJob.MaxEmailLength} characters, without control characters.", statusCode: StatusCodes.Status400BadRequest);
        }
        try
        {
            PasswordResetJob.Enqueue(jobs, email);
        }
        catch (Exception e) when (e is BackgroundJobClientException or StackExchange.Redis.RedisException)
        {
            ResetNotQueued(loggers.CreateLogger(LoggerNames.Jobs), e, e.GetType().Name);
            return TypedResults.Problem("The request could not be queued; try again in a minute.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        return TypedResults.Accepted((string?)null);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A password-reset request could not be queued: the job storage is unreachable ({error})")]
    static partial void ResetNotQueued(ILogger logger, Exception exception, string error);

    static async Task<Results<NoContent, ProblemHttpResult>> ConfirmResetAsync(
        ResetConfirmation? body, UserManager<IdentityUser> users, ViatiqueDbContext db, DatabaseTicketStore sessions, SessionValidator validator, ILoggerFactory loggers)
    {
        if (body?.Password?.Length > MaxPasswordLength)
        {
            return TypedResults.Problem($"password must be at most {MaxPasswordLength} characters", statusCode: StatusCodes.Status400BadRequest);
        }
        // A token is base64url: anything longer or with control characters (a NUL byte) is no token.
        if (string.IsNullOrEmpty(body?.Password) || body.Token is not { Length: <= MaxTokenLength } || body.Token.Any(char.IsControl)
            || !PasswordResetToken.TryDecode(body.Token, out var userId, out var token) || userId.Any(char.IsControl) || token.Any(char.IsControl)
            || await users.FindByIdAsync(userId) is not { } user)
        {
            return TypedResults.Problem("The reset link is invalid or has expired.", statusCode: StatusCodes.Status400BadRequest);
        }
        var result = await users.ResetPasswordAsync(user, token, body.Password);
        if (!result.Succeeded)
        {
            var invalidToken = result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.InvalidToken));
            return TypedResults.Problem(
                invalidToken ? "The reset link is invalid or has expired." : string.Join(" ", result.Errors.Select(e => e.Description)),
                statusCode: StatusCodes.Status400BadRequest);
        }
        await users.ResetAccessFailedCountAsync(user);
        await users.SetLockoutEndDateAsync(user, null);
        // A new password ends every session of the account.
        await sessions.RemoveAllAsync(db, user.Id);
        validator.Forget(user.Id);
        PasswordReset(loggers.CreateLogger(LoggerNames.Login), LogText.Clean(user.UserName));
        return TypedResults.NoContent();
    }

    static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<IdentityUser>().HashPassword(new IdentityUser(), Guid.NewGuid().ToString()));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed login for {username} from {client_ip}: {reason}")]
    static partial void LoginFailed(ILogger logger, string username, string client_ip, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {username} locked for network {network} for {minutes} minutes after repeated failures (last from {client_ip})")]
    static partial void LockedOut(ILogger logger, string username, string network, double minutes, string client_ip);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Password of {username} reset through an e-mailed token; all its sessions ended")]
    static partial void PasswordReset(ILogger logger, string username);
}

public static class Roles
{
    public const string Admin = "admin";
}
