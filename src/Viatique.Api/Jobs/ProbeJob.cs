using Viatique.Api.Logging;

namespace Viatique.Api.Jobs;

/// <summary>
/// A job that does nothing but take time and say so in the log: a way to see that workers pick
/// jobs up (enqueued with any Hangfire client on the same storage), and the tests' way to kill a
/// worker in the middle of a job.
/// </summary>
public sealed partial class ProbeJob(ILoggerFactory loggers)
{
    readonly ILogger _logger = loggers.CreateLogger(LoggerNames.Jobs);

    public async Task RunAsync(string label, int seconds, CancellationToken cancellationToken)
    {
        Started(_logger, label, Environment.ProcessId);
        await Task.Delay(TimeSpan.FromSeconds(Math.Clamp(seconds, 0, 600)), cancellationToken);
        Finished(_logger, label, Environment.ProcessId);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Probe job {label} started in process {pid}")]
    static partial void Started(ILogger logger, string label, int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "Probe job {label} finished in process {pid}")]
    static partial void Finished(ILogger logger, string label, int pid);
}
