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
    public static async Task<DateTimeOffset> RecordAsync(ViatiqueDbContext db, string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var fingerprint = FingerprintOf(key);
        var sighting = await db.SecretKeySightings.SingleOrDefaultAsync(s => s.Fingerprint == fingerprint, cancellationToken);
        if (sighting is null)
        {
            sighting = new SecretKeySighting { Fingerprint = fingerprint, FirstSeen = now, LastSeen = now };
            db.SecretKeySightings.Add(sighting);
        }
        else
        {
            sighting.LastSeen = now;
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another replica recorded the same key at the same moment: its row is as good as ours.
            db.ChangeTracker.Clear();
            sighting = await db.SecretKeySightings.AsNoTracking().SingleAsync(s => s.Fingerprint == fingerprint, cancellationToken);
        }
        return sighting.FirstSeen;
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
