namespace Viatique.Api.Jobs;

/// <summary>
/// What a process does with the job system (SPEC §8). In Staging/Production each role is its own
/// process (the celery worker / celery beat split); Development's one process is <see cref="All"/>.
/// </summary>
public enum JobRole
{
    /// <summary><c>serve</c>: enqueues only; no job server runs in the web process.</summary>
    Web,
    /// <summary><c>worker</c>: runs jobs (and moves due retries back to their queue); never triggers recurring jobs.</summary>
    Worker,
    /// <summary><c>scheduler</c>: owns the recurring jobs and the storage's watchers; runs no job itself.</summary>
    Scheduler,
    /// <summary>Development's single process: serves, works and schedules.</summary>
    All,
}
