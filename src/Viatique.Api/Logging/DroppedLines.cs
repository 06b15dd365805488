using Serilog.Sinks.Async;

namespace Viatique.Api.Logging;

/// <summary>
/// Counts the ordinary log lines the asynchronous sink had to drop under a flood, and says so: a
/// WARNING every <see cref="Period"/> while lines are being dropped, with how many.
/// </summary>
public sealed partial class DroppedLines : IAsyncLogEventSinkMonitor
{
    public static readonly DroppedLines Instance = new();
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(10);

    IAsyncLogEventSinkInspector? _inspector;
    long _reported;

    DroppedLines()
    {
    }

    public void StartMonitoring(IAsyncLogEventSinkInspector inspector) => _inspector = inspector;

    public void StopMonitoring(IAsyncLogEventSinkInspector inspector) => _inspector = null;

    /// <summary>Lines dropped since the last call (and reports them when there are any).</summary>
    public long Report(ILogger logger)
    {
        if (_inspector is not { } inspector)
        {
            return 0;
        }
        var total = inspector.DroppedMessagesCount;
        var fresh = total - Interlocked.Exchange(ref _reported, total);
        if (fresh > 0)
        {
            Dropped(logger, fresh, total);
        }
        return fresh;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The log pipeline dropped {dropped} lines in the last interval ({total} since start) under a flood; security events are never dropped")]
    static partial void Dropped(ILogger logger, long dropped, long total);

    /// <summary>Reports drops periodically for the life of the process.</summary>
    public sealed class Reporter(ILoggerFactory loggers) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var logger = loggers.CreateLogger(LoggerNames.Logging);
            using var timer = new PeriodicTimer(Period);
            try
            {
                while (await timer.WaitForNextTickAsync(stoppingToken))
                {
                    Instance.Report(logger);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                Instance.Report(logger);
            }
        }
    }
}
