using System.Security.Claims;
using Hangfire;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Viatique.Api.Data;
using Viatique.Api.Logging;

namespace Viatique.Api.Auth;

/// <summary>DRF-compatible session API for the Vue front end.</summary>
public static partial class AuthEndpoints
{
    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth");
        auth.MapGet("/csrf/", (CsrfTokens tokens, HttpContext http) => TypedResults.Ok(new CsrfResponse(tokens.Issue(http)))).AllowAnonymous();
        auth.MapPost("/login/", LoginAsync).AllowAnonymous();
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

    static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> LoginAsync(
        LoginRequest? body, UserManager<IdentityUser> users, HttpContext http, ILoggerFactory loggers)
    {
        if (string.IsNullOrWhiteSpace(body?.Username) || string.IsNullOrEmpty(body.Password))
        {
            return TypedResults.Problem("username and password are required", statusCode: StatusCodes.Status400BadRequest);
        }
        var logger = loggers.CreateLogger(LoggerNames.Login);
        var client = http.Connection.RemoteIpAddress?.ToString() ?? "-";
        var user = await users.FindByNameAsync(body.Username);
        if (user is null)
        {
            // Same work as a real check, so timing does not tell which usernames exist.
            users.PasswordHasher.VerifyHashedPassword(new IdentityUser(), DummyHash.Value, body.Password);
            LoginFailed(logger, body.Username, client, "unknown user");
            return InvalidCredentials();
        }
        if (await users.IsLockedOutAsync(user))
        {
            LoginFailed(logger, body.Username, client, "account locked");
            return InvalidCredentials();
        }
        if (!await users.CheckPasswordAsync(user, body.Password))
        {
            await users.AccessFailedAsync(user);
            LoginFailed(logger, body.Username, client, "wrong password");
            if (await users.IsLockedOutAsync(user))
            {
                LockedOut(logger, body.Username, client, users.Options.Lockout.DefaultLockoutTimeSpan.TotalMinutes);
            }
            return InvalidCredentials();
        }
        await users.ResetAccessFailedCountAsync(user);

        var identity = new ClaimsIdentity(IdentityConstants.ApplicationScheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, user.Id));
        identity.AddClaim(new Claim(ClaimTypes.Name, user.UserName!));
        foreach (var role in await users.GetRolesAsync(user))
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, role));
        }
        await http.SignInAsync(IdentityConstants.ApplicationScheme, new ClaimsPrincipal(identity));
        return TypedResults.Ok(new UserResponse(user.UserName!));
    }

    static ProblemHttpResult InvalidCredentials() =>
        TypedResults.Problem("Invalid username or password.", statusCode: StatusCodes.Status401Unauthorized);

    static async Task<NoContent> LogoutAsync(HttpContext http)
    {
        await http.SignOutAsync(IdentityConstants.ApplicationScheme);
        return TypedResults.NoContent();
    }

    static async Task<Results<Ok<MeResponse>, UnauthorizedHttpResult>> MeAsync(ClaimsPrincipal principal, UserManager<IdentityUser> users)
    {
        if (await users.GetUserAsync(principal) is not { } user)
        {
            return TypedResults.Unauthorized();
        }
        return TypedResults.Ok(new MeResponse(user.UserName!, user.Email, await users.IsInRoleAsync(user, Roles.Admin)));
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
        ResetConfirmation? body, UserManager<IdentityUser> users, ViatiqueDbContext db, ILoggerFactory loggers)
    {
        if (string.IsNullOrEmpty(body?.Password) || !PasswordResetToken.TryDecode(body.Token, out var userId, out var token)
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
        await DatabaseTicketStore.RemoveAllAsync(db, user.Id);
        PasswordReset(loggers.CreateLogger(LoggerNames.Login), user.UserName!);
        return TypedResults.NoContent();
    }

    static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<IdentityUser>().HashPassword(new IdentityUser(), Guid.NewGuid().ToString()));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed login for {username} from {client_ip}: {reason}")]
    static partial void LoginFailed(ILogger logger, string username, string client_ip, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {username} locked for {minutes} minutes after repeated failures (last from {client_ip})")]
    static partial void LockedOut(ILogger logger, string username, string client_ip, double minutes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Password of {username} reset through an e-mailed token; all its sessions ended")]
    static partial void PasswordReset(ILogger logger, string username);
}

public static class Roles
{
    public const string Admin = "admin";
}
