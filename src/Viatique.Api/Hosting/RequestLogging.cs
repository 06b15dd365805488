using System.Diagnostics;
using Viatique.Api.Logging;

namespace Viatique.Api.Hosting;

/// <summary>
/// Gives every request an id (the caller's <c>X-Request-ID</c> when it is sane, else a new one),
/// returns it, puts it on every log line of the request, and writes one access-log line.
/// </summary>
public sealed partial class RequestLogging(RequestDelegate next, ILoggerFactory loggers)
{
    public const string Header = "X-Request-ID";
    const int MaxIdLength = 128;

    readonly ILogger _access = loggers.CreateLogger(LoggerNames.Access);

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = AcceptedId(context.Request.Headers[Header].ToString()) ?? Guid.NewGuid().ToString("N");
        context.TraceIdentifier = requestId;
        context.Response.Headers[Header] = requestId;

        using var scope = _access.BeginScope(new KeyValuePair<string, object>[] { new("request_id", requestId) });
        var status = StatusCodes.Status500InternalServerError;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        finally
        {
            // Path only: query strings may carry tokens.
            Access(_access, context.Request.Method, context.Request.Path.Value ?? "/", status,
                Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 2), context.Connection.RemoteIpAddress?.ToString() ?? "-");
        }
    }

    /// <summary>A caller's id is kept when it is short and made of safe characters only.</summary>
    public static string? AcceptedId(string candidate) =>
        candidate.Length is > 0 and <= MaxIdLength && candidate.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')
            ? candidate
            : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "{method} {path} {status} {duration_ms} ms from {client_ip}")]
    static partial void Access(ILogger logger, string method, string path, int status, double duration_ms, string client_ip);
}
