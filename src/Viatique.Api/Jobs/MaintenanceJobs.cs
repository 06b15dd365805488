using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Viatique.Api.Data;
using Viatique.Api.Logging;
using Viatique.Api.Operations;
using Viatique.Api.Settings;
using Viatique.Api.Settings.Rulebook;
using Viatique.Api.Settings.Rulebook.Deploy;
using Viatique.Api.Settings.Rulebook.Rules;

namespace Viatique.Api.Jobs;

/// <summary>The recurring jobs (celery beat's schedule): housekeeping and the warnings an operator must see.</summary>
public sealed partial class MaintenanceJobs(ViatiqueDbContext db, ViatiqueSettings settings, TimeProvider clock, ILoggerFactory loggers)
{
    public static readonly TimeSpan PurgeCommandTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Expired sessions, and reset-mail records whose token expired or was used (the account's stamp moved on).</summary>
    public async Task PurgeExpiredAsync(CancellationToken cancellationToken)
    {
        // A backlog (the scheduler was down for weeks) may take longer than a web request's 5 s
        // command timeout; still far under the job's invisibility timeout.
        db.Database.SetCommandTimeout(PurgeCommandTimeout);
        var now = clock.GetUtcNow().UtcDateTime;
        var sessions = await db.Sessions.Where(s => s.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
        var tokenExpiry = now - settings.PasswordResetTimeout;
        var resets = await db.PasswordResetMails
            .Where(m => m.SentAt <= tokenExpiry || !db.Users.Any(u => u.Id == m.UserId && u.SecurityStamp == m.SecurityStamp))
            .ExecuteDeleteAsync(cancellationToken);
        Purged(loggers.CreateLogger(LoggerNames.Jobs), sessions, resets);
    }

    /// <summary>VIQ-W002 every day the SECRET_KEY stays past its 90 days.</summary>
    public async Task WarnOnSecretKeyAgeAsync(CancellationToken cancellationToken)
    {
        if (settings.SecretKey is not { } key || settings.SecretKeyIsEphemeral)
        {
            return;
        }
        var firstSeen = await SecretKeySighting.FirstSeenAsync(db, key, cancellationToken);
        foreach (var finding in new SecretKeyRotation().Evaluate(new RuleContext(settings, clock.GetUtcNow(), firstSeen)))
        {
            Finding(loggers.CreateLogger(LoggerNames.Security), finding.Id, finding.Variable, finding.Message, finding.Hint);
        }
    }

    /// <summary>Every hour, what <c>check --deploy</c> demands once (VIQ-E104): a database dump and a media snapshot under 24 hours old.</summary>
    public Task WarnOnStaleBackupsAsync()
    {
        if (!settings.IsDevelopment)
        {
            var logger = loggers.CreateLogger(LoggerNames.Ops);
            var now = clock.GetUtcNow();
            foreach (var (kind, newest) in new[]
            {
                ("database dump", BackupInventory.NewestDatabaseBackup(settings.BackupDir)),
                ("media snapshot", BackupInventory.NewestMediaSnapshot(settings.BackupDir)),
            })
            {
                if (newest is null)
                {
                    NoBackup(logger, kind, settings.BackupDir);
                }
                else if (now - newest.Value > BackupsRecent.MaxAge)
                {
                    StaleBackup(logger, kind, (now - newest.Value).TotalHours, settings.BackupDir);
                }
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>Daily, what <c>check --deploy</c> demands once (VIQ-E103): a certificate valid 14 more days (Let's Encrypt renews at 30).</summary>
    public Task WarnOnCertificateExpiryAsync()
    {
        if (settings.TlsCertPath is not { } path)
        {
            return Task.CompletedTask;
        }
        var logger = loggers.CreateLogger(LoggerNames.Ops);
        try
        {
            var left = TlsCertificateFile.ReadNotAfter(path) - clock.GetUtcNow();
            if (left <= TlsCertificateValid.Margin)
            {
                CertificateExpiring(logger, path, Math.Floor(left.TotalDays));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            CertificateUnreadable(logger, path, e.GetType().Name);
        }
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {sessions} expired sessions and {resets} used or expired reset-mail records")]
    static partial void Purged(ILogger logger, int sessions, int resets);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{rule_id} {variable}: {finding}. Hint: {hint}")]
    static partial void Finding(ILogger logger, string rule_id, string variable, string finding, string hint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No {kind} in BACKUP_DIR {backup_dir}: nothing to restore from")]
    static partial void NoBackup(ILogger logger, string kind, string backup_dir);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The newest {kind} in BACKUP_DIR {backup_dir} is {hours:0} hours old (more than 24): check the backup timer")]
    static partial void StaleBackup(ILogger logger, string kind, double hours, string backup_dir);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The TLS certificate at TLS_CERT_PATH {path} expires in {days} days: renew it (certbot renew)")]
    static partial void CertificateExpiring(ILogger logger, string path, double days);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The TLS certificate at TLS_CERT_PATH {path} cannot be read ({error})")]
    static partial void CertificateUnreadable(ILogger logger, string path, string error);
}
