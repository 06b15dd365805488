using Viatique.Api.Logging;
using Viatique.Api.Settings;

namespace Viatique.Api.Hosting;

/// <summary>
/// ALLOWED_HOSTS with Django's semantics: an exact name (any case, port ignored), or a leading
/// dot, <c>.example.com</c>, for the domain and all its subdomains. <c>*</c> is refused by the
/// rulebook and never matches here.
/// </summary>
public sealed class AllowedHosts(IEnumerable<string> patterns)
{
    readonly string[] _patterns = [.. patterns.Select(p => p.ToLowerInvariant())];

    public AllowedHosts(ViatiqueSettings settings) : this(settings.AllowedHosts)
    {
    }

    public bool Allows(string host)
    {
        host = host.ToLowerInvariant().TrimEnd('.');
        foreach (var pattern in _patterns)
        {
            if (pattern.StartsWith('.')
                ? host == pattern[1..] || host.EndsWith(pattern, StringComparison.Ordinal)
                : host == pattern)
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary>Rejects a Host outside ALLOWED_HOSTS with 400 (health and metrics excepted) and logs it as a security event.</summary>
public sealed partial class HostFiltering(RequestDelegate next, AllowedHosts hosts, ILoggerFactory loggers)
{
    readonly ILogger _logger = loggers.CreateLogger(LoggerNames.DisallowedHost);

    public Task InvokeAsync(HttpContext context)
    {
        var host = context.Request.Host;
        if (HttpPipeline.IsMonitoring(context) || (host.HasValue && hosts.Allows(host.Host)))
        {
            return next(context);
        }
        Disallowed(_logger, host.Value ?? "(none)", context.Connection.RemoteIpAddress?.ToString() ?? "-");
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Invalid Host header {host} from {client_ip}: not in ALLOWED_HOSTS")]
    static partial void Disallowed(ILogger logger, string host, string client_ip);
}
