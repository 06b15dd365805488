using System.Globalization;
using System.Security.Cryptography;
using Viatique.Api.Operations;

namespace Viatique.Api.Settings.Rulebook.Deploy;

/// <summary>VIQ-E103: the certificate nginx serves (TLS_CERT_PATH) is valid for more than 14 days.</summary>
public sealed class TlsCertificateValid : IDeployCheck
{
    public static readonly TimeSpan Margin = TimeSpan.FromDays(14);

    public string Id => "VIQ-E103";
    public string Title => "TLS certificate valid for more than 14 days";

    public Task<IReadOnlyList<Finding>> RunAsync(RuleContext context, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Finding>>([.. Evaluate(context)]);

    IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (context.IsDevelopment)
        {
            yield break;
        }
        if (context.Settings.TlsCertPath is not { Length: > 0 } path)
        {
            // Staging may sit behind a TLS terminator the operator does not run; Production may not.
            yield return new Finding(Id, context.IsProduction ? Severity.Error : Severity.Info, "TLS_CERT_PATH",
                "TLS_CERT_PATH is not set, so the certificate nginx serves cannot be checked",
                "set TLS_CERT_PATH to the certificate file nginx serves, e.g. /etc/letsencrypt/live/example.com/fullchain.pem");
            yield break;
        }
        DateTimeOffset notAfter;
        string? unreadable = null;
        try
        {
            notAfter = TlsCertificateFile.ReadNotAfter(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            notAfter = default;
            unreadable = e is FileNotFoundException or DirectoryNotFoundException ? "there is no file at that path" : $"it cannot be read as a certificate ({e.GetType().Name})";
        }
        if (unreadable is not null)
        {
            yield return new Finding(Id, Severity.Error, "TLS_CERT_PATH", $"the certificate at TLS_CERT_PATH cannot be checked: {unreadable}",
                "point TLS_CERT_PATH at the PEM certificate nginx serves (mounted read-only into this container), or issue one with certbot");
            yield break;
        }
        var left = notAfter - context.Now;
        if (left <= TimeSpan.Zero)
        {
            yield return new Finding(Id, Severity.Error, "TLS_CERT_PATH", $"the TLS certificate expired on {Day(notAfter)}",
                "renew it now (certbot renew, then reload nginx)");
        }
        else if (left <= Margin)
        {
            yield return new Finding(Id, Severity.Error, "TLS_CERT_PATH", $"the TLS certificate expires on {Day(notAfter)}, in {left.TotalDays:0.#} days (more than {Margin.TotalDays:0} needed)",
                "renew it before deploying (certbot renew, then reload nginx) and check that the certbot service's renewal loop runs");
        }
    }

    static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}

/// <summary>VIQ-E104: the newest database dump and media snapshot in BACKUP_DIR are younger than 24 h.</summary>
public sealed class BackupsRecent : IDeployCheck
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(24);

    public string Id => "VIQ-E104";
    public string Title => "database and media backups younger than 24 h";

    public Task<IReadOnlyList<Finding>> RunAsync(RuleContext context, CancellationToken cancellationToken)
    {
        if (context.IsDevelopment)
        {
            return Task.FromResult<IReadOnlyList<Finding>>([]);
        }
        var dir = context.Settings.BackupDir;
        IReadOnlyList<Finding> findings;
        try
        {
            findings =
            [
                .. Stale(context, "database backup", Path.Combine(dir, BackupInventory.DatabaseFolder, "viatique-*.sql.gz"), BackupInventory.NewestDatabaseBackup(dir), "docker/backup.sh --verify"),
                .. Stale(context, "media snapshot", Path.Combine(dir, BackupInventory.MediaFolder, "*"), BackupInventory.NewestMediaSnapshot(dir), "docker/backup_media.sh"),
            ];
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            findings = [new Finding(Id, Severity.Error, "BACKUP_DIR", $"the backups in BACKUP_DIR cannot be listed ({e.GetType().Name})",
                "give this process's user read and execute permission on BACKUP_DIR, BACKUP_DIR/db and BACKUP_DIR/media (the scripts create them that way)")];
        }
        return Task.FromResult(findings);
    }

    IEnumerable<Finding> Stale(RuleContext context, string what, string where, DateTimeOffset? newest, string script)
    {
        if (newest is not { } taken)
        {
            yield return new Finding(Id, Severity.Error, "BACKUP_DIR", $"no {what} in {where}",
                $"run {script} now and schedule it daily (cron or a systemd timer); BACKUP_DIR must be the directory the scripts write, mounted into this container");
        }
        else if (context.Now - taken > MaxAge)
        {
            yield return new Finding(Id, Severity.Error, "BACKUP_DIR", $"the newest {what} in {where} is {(context.Now - taken).TotalHours:0} hours old (at most {MaxAge.TotalHours:0} allowed)",
                $"run {script} now, and check why the daily schedule stopped");
        }
    }
}
