using Hangfire;
using Viatique.Api.Logging;

namespace Viatique.Api.Jobs;

/// <summary>
/// The scheduler's schedule (celery beat's), written to the storage when the scheduler starts.
/// Every scheduler writes the same definitions; the storage keeps one of each.
/// </summary>
sealed partial class RecurringJobRegistration(IRecurringJobManager recurring, ILoggerFactory loggers) : BackgroundService
{
    /// <summary>How long the storage may stay unreachable at start before the scheduler gives up (exit 70; restart brings it back).</summary>
    public static readonly TimeSpan StartupPatience = TimeSpan.FromSeconds(20);

    public static void Register(IRecurringJobManager recurring)
    {
        var utc = new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc };
        recurring.AddOrUpdate<MaintenanceJobs>("purge-expired", job => job.PurgeExpiredAsync(CancellationToken.None), "7 * * * *", utc);
        recurring.AddOrUpdate<MaintenanceJobs>("warn-stale-backups", job => job.WarnOnStaleBackupsAsync(), "30 * * * *", utc);
        recurring.AddOrUpdate<MaintenanceJobs>("warn-certificate-expiry", job => job.WarnOnCertificateExpiryAsync(), "0 6 * * *", utc);
        recurring.AddOrUpdate<MaintenanceJobs>("warn-secret-key-age", job => job.WarnOnSecretKeyAgeAsync(CancellationToken.None), "5 6 * * *", utc);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var logger = loggers.CreateLogger(LoggerNames.Jobs);
        var giveUpAt = DateTimeOffset.UtcNow + StartupPatience;
        while (true)
        {
            try
            {
                Register(recurring);
                Registered(logger);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException && DateTimeOffset.UtcNow < giveUpAt)
            {
                Retrying(logger, e.GetType().Name);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Recurring jobs registered")]
    static partial void Registered(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job storage unreachable ({error}); retrying the recurring-job registration")]
    static partial void Retrying(ILogger logger, string error);
}
