using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Viatique.Api.Settings;

namespace Viatique.Api.Data;

/// <summary>The database is not there, after waiting as long as we were told to.</summary>
public sealed class DatabaseUnavailableException(string message) : Exception(message);

/// <summary>
/// The <c>migrate</c> verb's work: wait for the database (bounded, with progress), then apply
/// pending migrations. Several containers may run it at once: on PostgreSQL an advisory lock
/// lets one migrate while the others wait, then find nothing left to do.
/// </summary>
public sealed partial class Migrator(IServiceScopeFactory scopes, ViatiqueSettings settings, ILogger<Migrator> logger)
{
    /// <summary>pg_advisory_lock key: "VIATIQUE" in ASCII.</summary>
    public const long AdvisoryLockKey = 0x5649_4154_4951_5545;

    static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);
    static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>Where the database is, for messages: host and port, or the SQLite file. Never the password.</summary>
    public string Where => settings.Database switch
    {
        { Engine: DatabaseEngine.Sqlite } db => $"SQLite file {db.Name}",
        { } db => $"{(db.Host?.Contains(':') == true ? $"[{db.Host}]" : db.Host)}:{db.Port ?? DatabaseUrl.DefaultPostgresPort}",
        null => "(no DATABASE_URL)",
    };

    public async Task WaitForDatabaseAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            using var attemptLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptLimit.CancelAfter(AttemptTimeout);
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<ViatiqueDbContext>();
                // The bare connection: one attempt each time, without EF's retries and error logs.
                var connection = db.Database.GetDbConnection();
                await connection.OpenAsync(attemptLimit.Token);
                DatabaseReady(logger, Where, attempt);
                return;
            }
            catch (PostgresException e) when (e.SqlState.StartsWith("28", StringComparison.Ordinal))
            {
                // Wrong user or password: waiting will not fix it.
                throw new DatabaseUnavailableException($"The database at {Where} refused the credentials of DATABASE_URL ({e.SqlState}: {e.MessageText}); fix DATABASE_URL");
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
            {
                var elapsed = Stopwatch.GetElapsedTime(started);
                if (elapsed + RetryDelay >= timeout)
                {
                    throw new DatabaseUnavailableException(
                        $"The database at {Where} did not answer within {timeout.TotalSeconds:0} s ({attempt} attempts; last error: {e.GetType().Name}: {e.Message})");
                }
                WaitingForDatabase(logger, Where, attempt, Math.Round(elapsed.TotalSeconds, 1), timeout.TotalSeconds, e.GetType().Name);
            }
            await Task.Delay(RetryDelay, cancellationToken);
        }
    }

    /// <summary>Applies the pending migrations, one migrate at a time on PostgreSQL.</summary>
    /// <param name="cancellationToken">Stops the wait and the migration.</param>
    /// <param name="lockTimeout">How long to wait for another container's migration (the advisory lock); unbounded when null.</param>
    /// <param name="alsoUnderTheLock">More set-up that one migrate at a time must do, after the migrations (the key ring's first key).</param>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken, TimeSpan? lockTimeout = null, Action? alsoUnderTheLock = null)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ViatiqueDbContext>();

        if (!db.Database.IsNpgsql())
        {
            // SQLite: one process, nothing to race with.
            var applied = await ApplyAsync(db, cancellationToken);
            alsoUnderTheLock?.Invoke();
            return applied;
        }
        // The session-level lock lives on a connection of its own, outside the pool: pooled
        // connections are reused without a reset, and a lock must never outlive this migrate.
        var pooled = scope.ServiceProvider.GetRequiredService<NpgsqlDataSource>().CreateConnection();
        await using var lockConnection = pooled.CloneWith(new NpgsqlConnectionStringBuilder(pooled.ConnectionString) { Pooling = false }.ConnectionString);
        await pooled.DisposeAsync();
        await lockConnection.OpenAsync(cancellationToken);
        await AcquireLockAsync(lockConnection, lockTimeout, cancellationToken);
        try
        {
            var applied = await ApplyAsync(db, cancellationToken);
            alsoUnderTheLock?.Invoke();
            return applied;
        }
        finally
        {
            await LockAsync(lockConnection, "SELECT pg_advisory_unlock(@key)", CancellationToken.None);
        }
    }

    /// <summary>True when no migration is pending; logs the pending ones otherwise. Applies nothing.</summary>
    public async Task<bool> IsCurrentAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var pending = await PendingAsync(scope.ServiceProvider.GetRequiredService<ViatiqueDbContext>(), cancellationToken);
        if (pending.Count == 0)
        {
            SchemaCurrent(logger, Where);
            return true;
        }
        SchemaPending(logger, Where, pending.Count, string.Join(", ", pending));
        return false;
    }

    public static async Task<IReadOnlyList<string>> PendingAsync(ViatiqueDbContext db, CancellationToken cancellationToken) =>
        [.. await db.Database.GetPendingMigrationsAsync(cancellationToken)];

    async Task AcquireLockAsync(NpgsqlConnection connection, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
            command.Parameters.AddWithValue("key", AdvisoryLockKey);
            if (await command.ExecuteScalarAsync(cancellationToken) is true)
            {
                return;
            }
            if (timeout is { } limit && Stopwatch.GetElapsedTime(started) + RetryDelay >= limit)
            {
                throw new DatabaseUnavailableException(
                    $"Another migrate held the migration lock on the database at {Where} for more than {limit.TotalSeconds:0} s; run migrate again once it has finished");
            }
            await Task.Delay(RetryDelay, cancellationToken);
        }
    }

    async Task<IReadOnlyList<string>> ApplyAsync(ViatiqueDbContext db, CancellationToken cancellationToken)
    {
        // Migrations may rewrite large tables: the web's short command timeout does not apply.
        db.Database.SetCommandTimeout(TimeSpan.FromMinutes(30));
        var pending = await PendingAsync(db, cancellationToken);
        if (pending.Count == 0)
        {
            NothingToApply(logger, Where);
            return pending;
        }
        await db.Database.MigrateAsync(cancellationToken);
        foreach (var migration in pending)
        {
            Applied(logger, migration);
        }
        return pending;
    }

    static async Task LockAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        command.Parameters.AddWithValue("key", AdvisoryLockKey);
        await command.ExecuteScalarAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database at {where} is ready (attempt {attempt})")]
    static partial void DatabaseReady(ILogger logger, string where, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waiting for the database at {where}: attempt {attempt} failed ({error}), {elapsed_s} of {timeout_s} s spent")]
    static partial void WaitingForDatabase(ILogger logger, string where, int attempt, double elapsed_s, double timeout_s, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "No migrations to apply to the database at {where}")]
    static partial void NothingToApply(ILogger logger, string where);

    [LoggerMessage(Level = LogLevel.Information, Message = "The database at {where} has every migration applied")]
    static partial void SchemaCurrent(ILogger logger, string where);

    [LoggerMessage(Level = LogLevel.Information, Message = "The database at {where} has {count} pending migration(s): {migrations}")]
    static partial void SchemaPending(ILogger logger, string where, int count, string migrations);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {migration}")]
    static partial void Applied(ILogger logger, string migration);
}
