using Hangfire;
using Hangfire.Client;
using Hangfire.Common;
using Hangfire.Server;
using Hangfire.States;

namespace Viatique.Api.Jobs;

/// <summary>
/// The name this process's job server carries in the storage, and the file that tells
/// <c>healthcheck --role …</c> (run later in the same container) which server is ours.
/// </summary>
public sealed class JobServerIdentity(JobRole role)
{
    public JobRole Role { get; } = role;

    /// <summary>Hangfire makes the server id <c>{Name}:{guid}</c>.</summary>
    public string Name { get; } = $"{role.ToString().ToLowerInvariant()}-{Environment.MachineName}-{Environment.ProcessId}".ToLowerInvariant();

    /// <summary>Under the temporary directory: the one writable place on a read-only root filesystem.</summary>
    public static string FileFor(JobRole role) => Path.Combine(Path.GetTempPath(), $"viatique-{role.ToString().ToLowerInvariant()}.server");

    /// <summary>Only the container roles are probed; Development's single process names nothing.</summary>
    public void Publish()
    {
        if (Role is JobRole.Worker or JobRole.Scheduler)
        {
            File.WriteAllText(FileFor(Role), Name);
        }
    }

    public void Withdraw()
    {
        if (File.Exists(FileFor(Role)) && File.ReadAllText(FileFor(Role)) == Name)
        {
            File.Delete(FileFor(Role));
        }
    }
}

/// <summary>
/// This process's Hangfire server, built from the processes its role runs (Hangfire's own
/// BackgroundJobServer always bundles workers with the recurring scheduler):
/// a worker runs jobs and moves due retries back to their queue; the scheduler triggers recurring
/// jobs and runs the storage's watchers (jobs of a dead worker go back to the queue) but no job;
/// Development runs both. Every recurring tick takes a storage-wide lock, so any number of
/// schedulers enqueue it once.
/// </summary>
sealed class JobServer(JobStorage storage, JobServerIdentity identity, IServiceProvider services) : IHostedService, IDisposable
{
    public static readonly string[] Queues = ["default"];

    BackgroundProcessingServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var filters = services.GetService<IJobFilterProvider>() ?? JobFilterProviders.Providers;
        var activator = services.GetRequiredService<JobActivator>();
        var stateChanger = new BackgroundJobStateChanger(filters);
        var processes = new List<IBackgroundProcessDispatcherBuilder>();
        if (identity.Role is JobRole.Worker or JobRole.All)
        {
            processes.Add(new Worker(Queues, new BackgroundJobPerformer(filters, activator), stateChanger).UseBackgroundPool(WorkerCount));
            processes.Add(new DelayedJobScheduler(JobTimings.SchedulePolling, stateChanger).UseBackgroundPool(1));
        }
        if (identity.Role is JobRole.Scheduler or JobRole.All)
        {
            processes.Add(new RecurringJobScheduler(new BackgroundJobFactory(filters), JobTimings.SchedulePolling, new DefaultTimeZoneResolver()).UseBackgroundPool(1));
        }
        var properties = new Dictionary<string, object> { ["Queues"] = Queues, ["WorkerCount"] = identity.Role is JobRole.Scheduler ? 0 : WorkerCount };
        _server = new BackgroundProcessingServer(storage, processes, properties, new BackgroundProcessingServerOptions
        {
            ServerName = identity.Name,
            HeartbeatInterval = JobTimings.Heartbeat,
            ServerTimeout = JobTimings.ServerTimeout,
            ServerCheckInterval = JobTimings.ServerCheckInterval,
            StopTimeout = JobTimings.StopTimeout,
            ShutdownTimeout = JobTimings.ShutdownTimeout,
            // The storage's watchers (requeue of a dead server's jobs, expiry) run in every role,
            // so a killed job comes back whether or not a scheduler runs.
            ExcludeStorageProcesses = false,
        });
        identity.Publish();
        return Task.CompletedTask;
    }

    /// <summary>Enough parallel jobs for mail and maintenance on a small host, without swamping SMTP.</summary>
    static int WorkerCount => Math.Clamp(Environment.ProcessorCount * 2, 2, 10);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        identity.Withdraw();
        if (_server is { } server)
        {
            server.SendStop();
            await server.WaitForShutdownAsync(cancellationToken);
        }
    }

    public void Dispose() => _server?.Dispose();
}
