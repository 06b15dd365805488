namespace Viatique.Api.Health;

/// <summary>
/// One check at a time, shared by every caller while it is fresh: a caller joins the check in
/// flight, or takes its finished answer, only if that check started at most <c>maxAge</c> ago;
/// otherwise it starts a new one. A flood of probes costs one round trip per dependency every
/// <c>maxAge</c>, and no answer describes the world as it was longer ago than that.
/// </summary>
public sealed class SharedCheck<T>(Func<Task<T>> check, TimeSpan maxAge, TimeProvider clock)
{
    sealed record Run(long StartedAt, Task<T> Answer);

    Run? _latest;

    public Task<T> GetAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var latest = Volatile.Read(ref _latest);
            if (latest is not null && clock.GetElapsedTime(latest.StartedAt) <= maxAge)
            {
                return latest.Answer.WaitAsync(cancellationToken);
            }
            // Whoever swaps first runs the check; the others loop and join it.
            var started = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            var run = new Run(clock.GetTimestamp(), started.Task);
            if (Interlocked.CompareExchange(ref _latest, run, latest) == latest)
            {
                _ = RunAsync(started);
                return run.Answer.WaitAsync(cancellationToken);
            }
        }
    }

    async Task RunAsync(TaskCompletionSource<T> answer)
    {
        try
        {
            // Not the caller's cancellation: others may be waiting for this answer.
            answer.SetResult(await check());
        }
        catch (Exception e)
        {
            answer.SetException(e);
        }
    }
}
