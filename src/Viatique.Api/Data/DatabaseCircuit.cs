using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Viatique.Api.Data;

/// <summary>The database failed moments ago; this request did not wait to find out again.</summary>
public sealed class DatabaseCircuitOpenException()
    : Exception("The database failed moments ago; requests fail fast until the circuit closes.");

/// <summary>
/// A frozen database makes every query wait for its timeout; without a breaker, each request would
/// hold a connection and a thread for that long, and the process would starve. Once a query or a
/// connection attempt fails because the database is away, EF Core's commands and connection
/// openings fail at once (503 with Retry-After), and the pool's idle connections are dropped. Every
/// <see cref="OpenFor"/>, one request is let through as a probe; the first connection opened or
/// command run successfully closes the breaker for everyone.
/// Health checks open their own connection and are not stopped by the breaker.
/// </summary>
public sealed class DatabaseCircuit(TimeProvider clock) : IDbConnectionInterceptor, IDbCommandInterceptor
{
    public static readonly TimeSpan OpenFor = TimeSpan.FromSeconds(5);

    long _openUntil;
    volatile bool _tripped;

    public bool IsOpen => _tripped;

    public void Trip()
    {
        Interlocked.Exchange(ref _openUntil, (clock.GetUtcNow() + OpenFor).UtcTicks);
        _tripped = true;
    }

    void Recovered()
    {
        if (_tripped)
        {
            _tripped = false;
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
        if (!_tripped)
        {
            return;
        }
        var now = clock.GetUtcNow().UtcTicks;
        var until = Interlocked.Read(ref _openUntil);
        // Past the open period, exactly one caller wins the right to probe the database.
        if (now < until || Interlocked.CompareExchange(ref _openUntil, now + OpenFor.Ticks, until) != until)
        {
            throw new DatabaseCircuitOpenException();
        }
    }

    void Observe(Exception e, DbConnection connection)
    {
        if (IsOutage(e))
        {
            Trip();
            // The pool's idle connections died with the server (or hang with it): without this,
            // each probe after a restart would draw one of them and fail again.
            if (connection is NpgsqlConnection npgsql)
            {
                NpgsqlConnection.ClearPool(npgsql);
            }
        }
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

    // After a trip the pool is cleared, so an opened connection is a new one: the server answers.
    public Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Recovered();
        return Task.CompletedTask;
    }

    public void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Recovered();

    public Task ConnectionFailedAsync(DbConnection connection, ConnectionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Observe(eventData.Exception, connection);
        return Task.CompletedTask;
    }

    public void ConnectionFailed(DbConnection connection, ConnectionErrorEventData eventData) => Observe(eventData.Exception, connection);

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

    public ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
    {
        Recovered();
        return ValueTask.FromResult(result);
    }

    public ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default)
    {
        Recovered();
        return ValueTask.FromResult(result);
    }

    public ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Recovered();
        return ValueTask.FromResult(result);
    }

    public DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
    {
        Recovered();
        return result;
    }

    public Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Observe(eventData.Exception, command.Connection!);
        return Task.CompletedTask;
    }

    public void CommandFailed(DbCommand command, CommandErrorEventData eventData) => Observe(eventData.Exception, command.Connection!);
}
