using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Viatique.Api.Data;
using Viatique.Api.Logging;
using Viatique.Api.Settings.Rulebook;
using Viatique.Api.Settings.Rulebook.Rules;

namespace Viatique.Api.Settings;

/// <summary>
/// When the host first and last saw a SECRET_KEY, by fingerprint (never the key), so the
/// 90-day rotation warning (VIQ-W002) has a real date.
/// </summary>
public sealed class SecretKeySighting
{
    public required string Fingerprint { get; init; }
    public DateTimeOffset FirstSeen { get; init; }
    public DateTimeOffset LastSeen { get; set; }

    /// <summary>A keyed hash of the key: stable, short, and useless for recovering the key.</summary>
    public static string FingerprintOf(string key) =>
        Convert.ToHexStringLower(HMACSHA256.HashData("viatique.secret-key-fingerprint"u8, Encoding.UTF8.GetBytes(key)))[..32];

    /// <summary>Records that <paramref name="key"/> is in use now; returns when it was first seen.</summary>
    /// <remarks>
    /// One upsert (PostgreSQL and SQLite share the syntax), so replicas starting together on a new
    /// key neither collide on the primary key nor leave an ERROR in the database's log.
    /// </remarks>
    public static async Task<DateTimeOffset> RecordAsync(ViatiqueDbContext db, string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO secret_key_sightings (fingerprint, first_seen, last_seen) VALUES ({FingerprintOf(key)}, {now}, {now})
            ON CONFLICT (fingerprint) DO UPDATE SET last_seen = excluded.last_seen
            """, cancellationToken);
        return await FirstSeenAsync(db, key, cancellationToken) ?? now;
    }

    public static async Task<DateTimeOffset?> FirstSeenAsync(ViatiqueDbContext db, string key, CancellationToken cancellationToken)
    {
        var fingerprint = FingerprintOf(key);
        return await db.SecretKeySightings.AsNoTracking()
            .Where(s => s.Fingerprint == fingerprint)
            .Select(s => (DateTimeOffset?)s.FirstSeen)
            .SingleOrDefaultAsync(cancellationToken);
    }
}

/// <summary>
/// A second after start, in the background: records the current key's sighting and logs VIQ-W002
/// when the key is due for rotation. A database that is not there yet only costs a log line.
/// </summary>
sealed class SecretKeySightingRecorder(IServiceScopeFactory scopes, ViatiqueSettings settings, TimeProvider clock, ILoggerFactory loggers) : BackgroundService
{
    /// <summary>Its query builds EF Core's model, which would compete with the first requests for the CPU (issue 11).</summary>
    public static readonly TimeSpan StartDelay = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.SecretKey is not { } key || settings.SecretKeyIsEphemeral)
        {
            return;
        }
        var logger = loggers.CreateLogger(LoggerNames.Startup);
        try
        {
            await Task.Delay(StartDelay, clock, stoppingToken);
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ViatiqueDbContext>();
            var firstSeen = await SecretKeySighting.RecordAsync(db, key, clock.GetUtcNow(), stoppingToken);
            var context = new RuleContext(settings, clock.GetUtcNow(), firstSeen);
            foreach (var finding in new SecretKeyRotation().Evaluate(context))
            {
                logger.LogWarning("{rule_id} {variable}: {finding}. Hint: {hint}", finding.Id, finding.Variable, finding.Message, finding.Hint);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Could not record the SECRET_KEY fingerprint ({error}); the rotation warning waits for the database", e.GetType().Name);
        }
    }
}
