using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;
using StackExchange.Redis;
using Viatique.Api.Data;
using Viatique.Api.Logging;

namespace Viatique.Api.Hosting;

/// <summary>
/// What a failure means for the caller. A dependency that is down, frozen or out of connections is
/// <c>503</c> with <c>Retry-After</c>; malformed client input is <c>4xx</c>; a full disk is <c>507</c>.
/// None of these is a bug of ours, so none is logged as an ERROR with a stack trace. Everything
/// else stays a <c>500</c>, logged in full.
/// </summary>
public static class Failures
{
    public const int RetryAfterSeconds = 5;

    /// <summary>The database, Redis or the network to them failed: retrying later may succeed.</summary>
    public static bool IsDependencyOutage(Exception e) => e switch
    {
        DatabaseCircuitOpenException or RedisException or SocketException or TimeoutException => true,
        // A full pool is an outage for this request too; a violated constraint is a bug (500).
        PostgresException server => DatabaseCircuit.IsOutage(server),
        NpgsqlException => true,
        // EF wraps provider errors (DbUpdateException, RetryLimitExceeded…) and data protection
        // wraps key-ring read failures; the cause decides.
        { InnerException: { } inner } => IsDependencyOutage(inner),
        _ => false,
    };

    /// <summary>A full disk (ENOSPC) or quota (EDQUOT).</summary>
    public static bool IsDiskFull(Exception e) =>
        e is IOException && (e.HResult & 0xFFFF) is 28 or 122 or 112 or 39;

    /// <summary>The status a failure deserves, or null for a real bug (500).</summary>
    public static int? StatusOf(Exception e) => e switch
    {
        BadHttpRequestException bad => bad.StatusCode,
        // MultipartReader: a part's headers too long or too many, a missing boundary, bad framing.
        InvalidDataException => StatusCodes.Status400BadRequest,
        _ when IsDiskFull(e) => StatusCodes.Status507InsufficientStorage,
        _ when IsDependencyOutage(e) => StatusCodes.Status503ServiceUnavailable,
        _ => null,
    };
}

/// <summary>Answers the failures <see cref="Failures"/> knows as problem+json, with one WARNING line and no stack trace.</summary>
public sealed partial class KnownFailureHandler(IProblemDetailsService problems, ILoggerFactory loggers) : IExceptionHandler
{
    readonly ILogger _logger = loggers.CreateLogger(LoggerNames.Failures);

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (Failures.StatusOf(exception) is not { } status)
        {
            return false;
        }
        var root = exception.GetBaseException();
        Answered(_logger, status, context.Request.Method, LogText.Clean(context.Request.Path.Value), root.GetType().Name, LogText.Clean(root.Message));
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = Failures.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = status,
                Detail = status switch
                {
                    StatusCodes.Status503ServiceUnavailable => "A service this request needs is unavailable; retry shortly.",
                    StatusCodes.Status507InsufficientStorage => "The server has no room left to store this.",
                    StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
                    _ => "The request is malformed.",
                },
            },
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answered {status} to {method} {path}: {error}: {reason}")]
    static partial void Answered(ILogger logger, int status, string method, string path, string error, string reason);
}
