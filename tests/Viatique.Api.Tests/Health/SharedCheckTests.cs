using Viatique.Api.Health;

namespace Viatique.Api.Tests.Health;

public class SharedCheckTests
{
    static readonly TimeSpan MaxAge = TimeSpan.FromMilliseconds(250);

    /// <summary>A clock that moves only when told to.</summary>
    sealed class ManualClock : TimeProvider
    {
        public long Now;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => Now;
        public void Advance(TimeSpan by) => Now += by.Ticks;
    }

    [Fact]
    public async Task ConcurrentCallersShareTheCheckInFlight()
    {
        var clock = new ManualClock();
        var runs = 0;
        var release = new TaskCompletionSource<int>();
        var shared = new SharedCheck<int>(() => { Interlocked.Increment(ref runs); return release.Task; }, MaxAge, clock);

        var callers = Enumerable.Range(0, 50).Select(_ => shared.GetAsync(CancellationToken.None)).ToArray();
        release.SetResult(42);

        Assert.All(await Task.WhenAll(callers), answer => Assert.Equal(42, answer));
        Assert.Equal(1, runs);
    }

    [Fact]
    public async Task AnAnswerIsReusedUpToMaxAgeAndNeverAfter()
    {
        var clock = new ManualClock();
        var runs = 0;
        var shared = new SharedCheck<int>(() => Task.FromResult(Interlocked.Increment(ref runs)), MaxAge, clock);

        Assert.Equal(1, await shared.GetAsync(CancellationToken.None));
        clock.Advance(MaxAge);
        Assert.Equal(1, await shared.GetAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, await shared.GetAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ACallerThatGivesUpDoesNotCancelTheCheckForOthers()
    {
        var clock = new ManualClock();
        var release = new TaskCompletionSource<int>();
        var shared = new SharedCheck<int>(() => release.Task, MaxAge, clock);
        using var impatient = new CancellationTokenSource();

        var first = shared.GetAsync(impatient.Token);
        var second = shared.GetAsync(CancellationToken.None);
        await impatient.CancelAsync();
        release.SetResult(7);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.Equal(7, await second);
    }

    [Fact]
    public async Task AFailedCheckIsSharedLikeAnyAnswerAndRetriedOnceStale()
    {
        var clock = new ManualClock();
        var runs = 0;
        var shared = new SharedCheck<int>(() => ++runs == 1 ? Task.FromException<int>(new TimeoutException()) : Task.FromResult(runs), MaxAge, clock);

        await Assert.ThrowsAsync<TimeoutException>(() => shared.GetAsync(CancellationToken.None));
        await Assert.ThrowsAsync<TimeoutException>(() => shared.GetAsync(CancellationToken.None));
        clock.Advance(MaxAge + TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, await shared.GetAsync(CancellationToken.None));
    }
}
