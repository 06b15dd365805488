using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Viatique.Api.Logging;
using Viatique.Api.Settings;

namespace Viatique.Api.Auth;

/// <summary>
/// Django-compatible CSRF: a <c>csrftoken</c> cookie readable by the front end, echoed in the
/// <c>X-CSRFToken</c> header on unsafe methods. The token is minted with data protection, so
/// it is bound to SECRET_KEY (through the key ring) and cannot be made up.
/// </summary>
public sealed class CsrfTokens(IDataProtectionProvider protection, ViatiqueSettings settings)
{
    public const string CookieName = "csrftoken";
    public const string HeaderName = "X-CSRFToken";
    static readonly TimeSpan CookieAge = TimeSpan.FromDays(365);

    readonly IDataProtector _protector = protection.CreateProtector("viatique.csrf.v1");

    public string Issue(HttpContext context)
    {
        var existing = context.Request.Cookies[CookieName];
        if (existing is not null && IsGenuine(existing))
        {
            return existing;
        }
        return Rotate(context);
    }

    /// <summary>Sets a new token cookie, whatever the request carried (at login, as Django does).</summary>
    public string Rotate(HttpContext context)
    {
        var token = _protector.Protect(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
        context.Response.Cookies.Append(CookieName, token, new CookieOptions
        {
            HttpOnly = false,
            Secure = settings.CsrfCookieSecure,
            SameSite = SameSiteMode.Lax,
            Path = "/",
            MaxAge = CookieAge,
        });
        return token;
    }

    public bool IsGenuine(string token)
    {
        try
        {
            return _protector.Unprotect(token).Length == 64;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}

/// <summary>
/// Unsafe methods (POST, PUT, PATCH, DELETE), login included, need the header to match the
/// cookie and, over HTTPS, an Origin or Referer from CSRF_TRUSTED_ORIGINS or the request's own
/// host; else 403 and a WARNING under viatique.security.csrf.
/// </summary>
public sealed partial class CsrfProtection(RequestDelegate next, CsrfTokens tokens, ViatiqueSettings settings, ILoggerFactory loggers)
{
    readonly ILogger _logger = loggers.CreateLogger(LoggerNames.Csrf);
    readonly HashSet<string> _trustedOrigins = new(settings.CsrfTrustedOrigins.Select(o => o.TrimEnd('/')), StringComparer.OrdinalIgnoreCase);

    public Task InvokeAsync(HttpContext context)
    {
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
            || HttpMethods.IsOptions(context.Request.Method) || HttpMethods.IsTrace(context.Request.Method))
        {
            return next(context);
        }
        if (Reject(context) is { } reason)
        {
            Failed(_logger, reason, context.Request.Method, context.Request.Path.Value ?? "/", context.Connection.RemoteIpAddress?.ToString() ?? "-");
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return context.Response.WriteAsJsonAsync(new { detail = $"CSRF Failed: {reason}." }, context.RequestAborted);
        }
        return next(context);
    }

    string? Reject(HttpContext context)
    {
        if (context.Request.IsHttps)
        {
            var origin = context.Request.Headers.Origin.ToString();
            var referer = context.Request.Headers.Referer.ToString();
            if (origin.Length > 0)
            {
                if (!TrustedOrigin(context, origin))
                {
                    return "Origin checking failed - the origin does not match any trusted origins";
                }
            }
            else if (referer.Length == 0)
            {
                return "Referer checking failed - no Referer";
            }
            else if (!Uri.TryCreate(referer, UriKind.Absolute, out var uri) || !TrustedOrigin(context, uri.GetLeftPart(UriPartial.Authority)))
            {
                return "Referer checking failed - the referer does not match any trusted origins";
            }
        }
        var cookie = context.Request.Cookies[CsrfTokens.CookieName];
        if (string.IsNullOrEmpty(cookie))
        {
            return "CSRF cookie not set";
        }
        var header = context.Request.Headers[CsrfTokens.HeaderName].ToString();
        if (header.Length == 0)
        {
            return "CSRF token missing";
        }
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header), Encoding.UTF8.GetBytes(cookie)) || !tokens.IsGenuine(cookie))
        {
            return "CSRF token incorrect";
        }
        return null;
    }

    bool TrustedOrigin(HttpContext context, string origin) =>
        _trustedOrigins.Contains(origin.TrimEnd('/'))
        || string.Equals(origin.TrimEnd('/'), $"{context.Request.Scheme}://{context.Request.Host.Value}", StringComparison.OrdinalIgnoreCase);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forbidden ({reason}): {method} {path} from {client_ip}")]
    static partial void Failed(ILogger logger, string reason, string method, string path, string client_ip);
}
