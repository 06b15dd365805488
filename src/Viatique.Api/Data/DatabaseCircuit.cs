using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using Viatique.Api.Logging;

namespace Viatique.Api.Data;

/// <summary>The database failed moments ago; this request did not wait to find out again.</summary>
public sealed class DatabaseCircuitOpenException()
    : Exception("The database failed moments ago; requests fail fast until the circuit closes.");

/// <summary>
/// A frozen database makes every query wait for its timeout; without a breaker, each request would
/// hold a connection and a thread for that long, and the process would starve. Once a query or a
/// connection attempt fails because the database is away, the breaker opens: EF Core's commands
/// and connection openings fail at once (503 with Retry-After) and the pool's idle connections are
/// dropped. While it is open, a background probe (not a request) tries a fresh connection every
/// <see cref="ProbeEvery"/>; its first success closes the breaker for everyone.
/// Health checks open their own connection and are not stopped by the breaker.
/// </summary>
public sealed partial class DatabaseCircuit(NpgsqlDataSource database, ILoggerFactory loggers, TimeProvider clock)
    : IDbConnectionInterceptor, IDbCommandInterceptor, IAsyncDisposable
{
    /// <summary>Pause between two probes (a probe itself may wait up to the 5 s connect timeout).</summary>
    public static readonly TimeSpan ProbeEvery = TimeSpan.FromSeconds(1);

    readonly ILogger _logger = loggers.CreateLogger(LoggerNames.Failures);
    readonly CancellationTokenSource _stopping = new();
    readonly Lock _gate = new();
    Task _probe = Task.CompletedTask;
    volatile bool _open;

    public bool IsOpen => _open;

    public void Trip()
    {
        // The pool's idle connections died with the server (or hang with it): without this, the
        // first requests after recovery would draw them and fail again.
        database.Clear();
        lock (_gate)
        {
            if (_open || _stopping.IsCancellationRequested)
            {
                return;
            }
            _open = true;
            // The probe outlives the request that tripped the breaker: it must not carry its log scope.
            using (ExecutionContext.SuppressFlow())
            {
                _probe = Task.Run(ProbeUntilRecoveredAsync);
            }
        }
        Opened(_logger, ProbeEvery.TotalSeconds);
    }

    async Task ProbeUntilRecoveredAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(ProbeEvery, clock, _stopping.Token);
                await using var connection = await database.OpenConnectionAsync(_stopping.Token);
                await using var select = new NpgsqlCommand("SELECT 1", connection) { CommandTimeout = 2 };
                await select.ExecuteScalarAsync(_stopping.Token);
                _open = false;
                Closed(_logger);
                return;
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // Whatever the failure, the database is not back: the breaker stays open (a probe
                // loop that died here would keep it open for good), and the next probe follows.
            }
        }
    }

    /// <summary>The server is away, frozen or refusing (not: a constraint violated, a full pool).</summary>
    public static bool IsOutage(Exception e) => e switch
    {
        PostgresException server => server.SqlState.StartsWith("08", StringComparison.Ordinal)
            || server.SqlState.StartsWith("53", StringComparison.Ordinal) || server.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException client => !client.Message.Contains("pool has been exhausted", StringComparison.Ordinal)
            && (client.IsTransient || client.InnerException is TimeoutException or System.Net.Sockets.SocketException or IOException),
        TimeoutException => true,
        _ => false,
    };

    void FailFast()
    {
        if (_open)
        {
            throw new DatabaseCircuitOpenException();
        }
    }

    void Observe(Exception e)
    {
        if (IsOutage(e))
        {
            Trip();
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _stopping.Cancel();
        }
        await _probe;
        _stopping.Dispose();
    }

    public ValueTask<InterceptionResult> ConnectionOpeningAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        FailFast();
        return ValueTask.FromResult(result);
    }

    public InterceptionResult ConnectionOpening(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        FailFast();
        return result;
    }

    public Task ConnectionFailedAsync(DbConnection connection, ConnectionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Observe(eventData.Exception);
        return Task.CompletedTask;
    }

    public void ConnectionFailed(DbConnection connection, ConnectionErrorEventData eventData) => Observe(eventData.Exception);

    public ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        FailFast();
        return ValueTask.FromResult(result);
    }

    public ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        FailFast();
        return ValueTask.FromResult(result);
    }

    public ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        FailFast();
        return ValueTask.FromResult(result);
    }

    public InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        FailFast();
        return result;
    }

    public InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        FailFast();
        return result;
    }

    public InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        FailFast();
        return result;
    }

    public Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Observe(eventData.Exception);
        return Task.CompletedTask;
    }

    public void CommandFailed(DbCommand command, CommandErrorEventData eventData) => Observe(eventData.Exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unreachable: requests that need it answer 503 at once; probing it every {seconds} s")]
    static partial void Opened(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database reachable again: requests use it again")]
    static partial void Closed(ILogger logger);
}
