namespace Viatique.Api.Jobs;

/// <summary>
/// The clocks of the job system, in one place because they depend on each other (README, "Jobs").
/// </summary>
public static class JobTimings
{
    /// <summary>Every job server writes its heartbeat to the storage this often.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A server without a heartbeat for this long is removed from the storage by the others'
    /// watchdogs; the jobs it was running are then handed to another worker. It is also how old a
    /// heartbeat may be for <c>healthcheck --role worker|scheduler</c> to pass.
    /// </summary>
    public static readonly TimeSpan ServerTimeout = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan ServerCheckInterval = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Redis storage: a job fetched this long ago is queued again even if its server still beats.
    /// Longer than any of our jobs (the slowest, a mail, gives up within about a minute on SMTP
    /// timeouts), so a live job is never run twice; short enough that a job whose server vanished
    /// without being noticed is retried within minutes. Dead servers are noticed sooner (above).
    /// </summary>
    public static readonly TimeSpan InvisibilityTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Due recurring jobs and retries are looked for this often (Hangfire's default is 15 s).</summary>
    public static readonly TimeSpan SchedulePolling = TimeSpan.FromSeconds(1);

    /// <summary>On SIGTERM a running job gets this long to finish before its cancellation token fires.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    /// <summary>After this, a job still running is abandoned; its storage entry hands it to another worker.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(25);

    /// <summary>The host's own shutdown timeout for background roles: longer than Hangfire's.</summary>
    public static readonly TimeSpan HostShutdownTimeout = TimeSpan.FromSeconds(35);
}
