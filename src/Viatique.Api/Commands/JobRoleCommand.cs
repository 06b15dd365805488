using System.CommandLine;
using Viatique.Api.Jobs;

namespace Viatique.Api.Commands;

/// <summary><c>worker</c> and <c>scheduler</c>: the background roles (celery worker, celery beat). They listen on no port.</summary>
static class JobRoleCommand
{
    public static Command Create(JobRole role)
    {
        var command = role == JobRole.Worker
            ? new Command("worker", "Run background jobs (e-mail, password resets, maintenance) until SIGTERM; listens on no port.")
            : new Command("scheduler", "Enqueue the recurring jobs on their schedule (one run per tick, however many schedulers run); listens on no port.");
        command.SetAction((_, cancellationToken) => JobHost.RunAsync(role, cancellationToken));
        return command;
    }
}
