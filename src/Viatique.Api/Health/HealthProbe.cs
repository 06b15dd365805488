using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Viatique.Api.Data;

namespace Viatique.Api.Health;

public sealed record HealthReport(string Status, string Database, string Redis)
{
    [JsonIgnore]
    public bool Healthy => Status == HealthProbe.Healthy;
}

/// <summary>
/// Checks the database and Redis in parallel, each within its own timeout, and answers with
/// status words only; what went wrong goes to the log, never to the caller.
/// </summary>
public sealed partial class HealthProbe(IServiceScopeFactory scopes, ILogger<HealthProbe> logger, RedisConnection? redis = null)
{
    public const string Healthy = "healthy";
    public const string Unhealthy = "unhealthy";
    public const string Connected = "connected";
    public const string Disconnected = "disconnected";
    public const string NotConfigured = "not configured";

    /// <summary>Each dependency gets this long; both run at once, so the answer comes within ~2 s.</summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);

    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        var database = Bounded("database", CheckDatabaseAsync, cancellationToken);
        var cache = redis is null ? Task.FromResult(NotConfigured) : Bounded("redis", CheckRedisAsync, cancellationToken);
        var (db, rd) = (await database, await cache);
        var healthy = db == Connected && rd != Disconnected;
        return new HealthReport(healthy ? Healthy : Unhealthy, db, rd);
    }

    async Task<string> Bounded(string dependency, Func<CancellationToken, Task> check, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(CheckTimeout);
        try
        {
            // WaitAsync returns on time even when a driver ignores cancellation (a frozen server).
            await check(limit.Token).WaitAsync(CheckTimeout, cancellationToken);
            return Connected;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            CheckFailed(logger, e, dependency);
            return Disconnected;
        }
    }

    async Task CheckDatabaseAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
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
        var multiplexer = await redis!.GetAsync().WaitAsync(cancellationToken);
        await multiplexer.GetDatabase().PingAsync().WaitAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health check of {dependency} failed")]
    static partial void CheckFailed(ILogger logger, Exception exception, string dependency);
}
