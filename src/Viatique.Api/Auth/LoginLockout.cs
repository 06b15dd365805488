using System.Collections.Concurrent;
using StackExchange.Redis;
using Viatique.Api.Data;

namespace Viatique.Api.Auth;

/// <summary>
/// Repeated wrong passwords lock an account — for the client network they came from only (an
/// IPv4 /24 or an IPv6 /64), so a stranger can lock the account for themselves, never for its
/// owner. The lock lasts <see cref="Duration"/> from the first failure of the series and is not
/// renewed by further attempts. Counted in Redis when configured (shared by every replica), in the
/// process otherwise and while Redis is away.
/// </summary>
public sealed class LoginLockout(TimeProvider clock, RedisConnection? redis = null)
{
    public const int MaxFailures = 5;
    public const int Ipv4NetworkPrefix = 24;
    public static readonly TimeSpan Duration = TimeSpan.FromMinutes(15);
    static readonly TimeSpan RedisBudget = TimeSpan.FromMilliseconds(250);
    const int MaxLocalEntries = 100_000;

    // KEYS[1] counter; ARGV[1] window in ms. The window starts at the first failure only.
    const string CountScript = """
        local n = redis.call('INCR', KEYS[1])
        if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        return n
        """;

    readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset Until)> _local = new(StringComparer.Ordinal);

    public static string KeyOf(string username, string network) =>
        $"viatique:lockout:{network}:{username.ToUpperInvariant()}";

    public async Task<bool> IsLockedAsync(string username, string network)
    {
        var key = KeyOf(username, network);
        if (await SharedAsync() is { } shared)
        {
            try
            {
                var value = await shared.StringGetAsync(key).WaitAsync(RedisBudget);
                return value.TryParse(out long failures) && failures >= MaxFailures;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Redis away: the local count decides.
            }
        }
        return _local.TryGetValue(key, out var local) && local.Until > clock.GetUtcNow() && local.Failures >= MaxFailures;
    }

    /// <summary>Counts a failure; true when it is the one that locks.</summary>
    public async Task<bool> RecordFailureAsync(string username, string network)
    {
        var key = KeyOf(username, network);
        if (await SharedAsync() is { } shared)
        {
            try
            {
                var count = (long)await shared.ScriptEvaluateAsync(CountScript, [new RedisKey(key)], [(long)Duration.TotalMilliseconds]).WaitAsync(RedisBudget);
                return count == MaxFailures;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Redis away: count locally.
            }
        }
        var now = clock.GetUtcNow();
        if (_local.Count >= MaxLocalEntries)
        {
            _local.Clear();
        }
        var entry = _local.AddOrUpdate(key, _ => (1, now + Duration), (_, e) => e.Until > now ? (e.Failures + 1, e.Until) : (1, now + Duration));
        return entry.Failures == MaxFailures;
    }

    /// <summary>A successful login from a network clears its count.</summary>
    public async Task ClearAsync(string username, string network)
    {
        var key = KeyOf(username, network);
        _local.TryRemove(key, out _);
        if (await SharedAsync() is { } shared)
        {
            try
            {
                await shared.KeyDeleteAsync(key).WaitAsync(RedisBudget);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The count expires on its own.
            }
        }
    }

    async Task<IDatabase?> SharedAsync()
    {
        if (redis?.GetAsync() is not { } connecting)
        {
            return null;
        }
        try
        {
            var multiplexer = await connecting.WaitAsync(RedisBudget);
            return multiplexer.IsConnected ? multiplexer.GetDatabase() : null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }
}
