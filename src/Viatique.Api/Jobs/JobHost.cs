using Viatique.Api.Commands;
using Viatique.Api.Email;
using Viatique.Api.Logging;

namespace Viatique.Api.Jobs;

/// <summary>A background role's process: the web host's composition minus HTTP, plus its job server.</summary>
public static class JobHost
{
    /// <exception cref="Settings.Rulebook.RulebookViolation">The environment breaks the rulebook.</exception>
    public static async Task<int> RunAsync(JobRole role, CancellationToken cancellationToken)
    {
        var (builder, settings) = ViatiqueApp.CreateWithoutHttp();
        builder.AddViatiqueMail(settings);
        builder.AddViatiqueJobs(settings, role);
        using var host = builder.Build();
        return await HostExit.RunAsync(host, cancellationToken);
    }
}

/// <summary>
/// Runs a host and turns how it ended into the exit code: a background service that crashed
/// stopped the host (BackgroundServiceExceptionBehavior.StopHost) and must not look like a clean
/// stop, or <c>restart: on-failure</c> and orchestrators would leave the process down.
/// </summary>
public static partial class HostExit
{
    public static async Task<int> RunAsync(IHost host, CancellationToken cancellationToken = default)
    {
        // RunAsync disposes the host: look at its services before.
        var backgroundServices = host.Services.GetServices<IHostedService>().OfType<BackgroundService>().ToList();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(LoggerNames.Startup);
        try
        {
            await host.RunAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Crashed(logger, e, e.GetType().Name);
            return ExitCodes.Software;
        }
        return CodeOf(backgroundServices);
    }

    /// <summary><see cref="ExitCodes.Software"/> when any background service ended in an exception.</summary>
    public static int CodeOf(IEnumerable<BackgroundService> services) =>
        services.Any(s => s.ExecuteTask is { IsFaulted: true }) ? ExitCodes.Software : ExitCodes.Ok;

    [LoggerMessage(Level = LogLevel.Critical, Message = "The host stopped on an unhandled {error}")]
    static partial void Crashed(ILogger logger, Exception exception, string error);
}
