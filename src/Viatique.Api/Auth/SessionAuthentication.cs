using System.Runtime.ExceptionServices;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Viatique.Api.Hosting;

namespace Viatique.Api.Auth;

/// <summary>
/// ASP.NET Core's authentication step, with what the review found missing around it:
/// <list type="bullet">
/// <item>health and metrics never read a cookie: no key-ring read, no session lookup, whatever
/// the request carries (an outage or a flood of forged cookies cannot slow the probes);</item>
/// <item>login never sees the session the request carried (it is set aside for the login to
/// delete), so a planted cookie can never be renewed into the victim's session;</item>
/// <item>a session that could not be read because the database is away is a 503, not an
/// anonymous request that would answer a misleading 401;</item>
/// <item>responses that carry a session's data or a token are never cached.</item>
/// </list>
/// </summary>
public sealed class SessionAuthentication(RequestDelegate next)
{
    public const string CookieName = "sessionid";
    const string CarriedSessionKey = "viatique.carried-session";

    public async Task InvokeAsync(HttpContext context)
    {
        if (HttpPipeline.IsMonitoring(context))
        {
            await next(context);
            return;
        }
        var path = context.Request.Path;
        if (path.StartsWithSegments("/api/auth") || path.StartsWithSegments("/api/media") || path.StartsWithSegments("/admin"))
        {
            context.Response.Headers.CacheControl = "no-store";
        }
        if (HttpMethods.IsPost(context.Request.Method) && path.StartsWithSegments("/api/auth/login") && SetAsideSessionCookie(context.Request) is { } carried)
        {
            context.Items[CarriedSessionKey] = carried;
        }

        var result = await context.AuthenticateAsync();
        if (result.Failure is { } failure && Failures.IsDependencyOutage(failure))
        {
            ExceptionDispatchInfo.Throw(failure);
        }
        if (result.Principal is not null)
        {
            context.User = result.Principal;
        }
        if (result.Succeeded)
        {
            var features = new AuthenticationFeatures(result);
            context.Features.Set<IHttpAuthenticationFeature>(features);
            context.Features.Set<IAuthenticateResultFeature>(features);
        }
        await next(context);
    }

    /// <summary>The session cookie the login request carried (removed from the request), if any.</summary>
    public static string? CarriedSession(HttpContext context) => context.Items[CarriedSessionKey] as string;

    /// <summary>Removes the session cookie from the request's Cookie header and returns its value.</summary>
    static string? SetAsideSessionCookie(HttpRequest request)
    {
        var header = request.Headers.Cookie.ToString();
        if (!header.Contains(CookieName, StringComparison.Ordinal))
        {
            return null;
        }
        string? carried = null;
        var kept = new List<string>();
        foreach (var part in header.Split(';'))
        {
            var pair = part.Trim();
            var eq = pair.IndexOf('=');
            if (eq > 0 && pair[..eq].Trim() == CookieName)
            {
                carried ??= pair[(eq + 1)..].Trim();
            }
            else if (pair.Length > 0)
            {
                kept.Add(pair);
            }
        }
        request.Headers.Cookie = string.Join("; ", kept);
        return carried;
    }

    sealed class AuthenticationFeatures(AuthenticateResult result) : IAuthenticateResultFeature, IHttpAuthenticationFeature
    {
        public AuthenticateResult? AuthenticateResult { get; set; } = result;


        public System.Security.Claims.ClaimsPrincipal? User
        {
            get => AuthenticateResult?.Principal;
            set => AuthenticateResult = value is null ? null : AuthenticateResult.Success(new AuthenticationTicket(value, AuthenticateResult?.Ticket?.AuthenticationScheme ?? ""));
        }
    }
}

/// <summary>
/// Routing's own answers kept as they are: a path that matches nothing is 404 (not the 401 the
/// deny-by-default policy would give, which would hint that something lives there), and a wrong
/// method or content type on a real route is 405 or 415 — before authentication, which has nothing
/// to decide for them.
/// </summary>
public sealed class UnmatchedRequests(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        // Routing's 405/415 rejections are plain endpoints without a route pattern.
        if (endpoint is not RouteEndpoint && endpoint.RequestDelegate is { } reject)
        {
            return reject(context);
        }
        return next(context);
    }
}
