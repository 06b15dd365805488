using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Viatique.Api.Data;

namespace Viatique.Api.Health;

public sealed record HealthReport(string Status, string Database, string Redis)
{
    [JsonIgnore]
    public bool Healthy => Status == HealthProbe.Healthy;
}

/// <summary>
/// Checks the database and Redis in parallel, each within its own timeout, and answers with
/// status words only; what went wrong goes to the log, never to the caller. Concurrent probes
/// share one check, and no answer comes from a check started more than <see cref="MaxAge"/> ago.
/// </summary>
public sealed partial class HealthProbe
{
    public const string Healthy = "healthy";
    public const string Unhealthy = "unhealthy";
    public const string Connected = "connected";
    public const string Disconnected = "disconnected";
    public const string NotConfigured = "not configured";

    /// <summary>Each dependency gets this long; both run at once, so the answer comes within ~2 s.</summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How old the check behind an answer may be (issue 11).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMilliseconds(250);

    readonly IServiceScopeFactory _scopes;
    readonly ILogger _logger;
    readonly RedisConnection? _redis;
    readonly NpgsqlDataSource? _postgres;
    readonly SharedCheck<HealthReport> _shared;

    public HealthProbe(IServiceScopeFactory scopes, ILogger<HealthProbe> logger, TimeProvider clock, RedisConnection? redis = null, NpgsqlDataSource? postgres = null)
    {
        (_scopes, _logger, _redis, _postgres) = (scopes, logger, redis, postgres);
        _shared = new SharedCheck<HealthReport>(CheckNowAsync, MaxAge, clock);
    }

    public Task<HealthReport> CheckAsync(CancellationToken cancellationToken) => _shared.GetAsync(cancellationToken);

    // Not the caller's cancellation: other probes may be waiting for this check.
    async Task<HealthReport> CheckNowAsync()
    {
        var database = Bounded("database", CheckDatabaseAsync);
        var cache = _redis is null ? Task.FromResult(NotConfigured) : Bounded("redis", CheckRedisAsync);
        var (db, rd) = (await database, await cache);
        var healthy = db == Connected && rd != Disconnected;
        return new HealthReport(healthy ? Healthy : Unhealthy, db, rd);
    }

    async Task<string> Bounded(string dependency, Func<CancellationToken, Task> check)
    {
        using var limit = new CancellationTokenSource(CheckTimeout);
        try
        {
            // WaitAsync returns on time even when a driver ignores cancellation (a frozen server).
            await check(limit.Token).WaitAsync(CheckTimeout);
            return Connected;
        }
        catch (Exception e)
        {
            CheckFailed(_logger, e, dependency);
            return Disconnected;
        }
    }

    async Task CheckDatabaseAsync(CancellationToken cancellationToken)
    {
        // PostgreSQL: straight from the process's one pool, no DI scope or EF context to build.
        if (_postgres is not null)
        {
            await using var pooled = await _postgres.OpenConnectionAsync(cancellationToken);
            await using var select = new NpgsqlCommand("SELECT 1", pooled) { CommandTimeout = (int)Math.Ceiling(CheckTimeout.TotalSeconds) };
            await select.ExecuteScalarAsync(cancellationToken);
            return;
        }
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ViatiqueDbContext>();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        command.CommandTimeout = (int)Math.Ceiling(CheckTimeout.TotalSeconds);
        await command.ExecuteScalarAsync(cancellationToken);
    }

    async Task CheckRedisAsync(CancellationToken cancellationToken)
    {
        var multiplexer = await _redis!.GetAsync().WaitAsync(cancellationToken);
        await multiplexer.GetDatabase().PingAsync().WaitAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health check of {dependency} failed")]
    static partial void CheckFailed(ILogger logger, Exception exception, string dependency);
}
