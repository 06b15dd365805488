using System.Globalization;
using StackExchange.Redis;

namespace Viatique.Api.RateLimiting;

/// <summary>
/// The shared bucket: one Redis hash per policy and client, updated atomically by a Lua script
/// on Redis's own clock, so every replica draws from the same budget.
/// </summary>
static class RedisTokenBucket
{
    // KEYS[1] bucket; ARGV: burst, tokens per second. Returns {allowed (0/1), retry after in ms}.
    const string Script = """
        local burst = tonumber(ARGV[1])
        local rate = tonumber(ARGV[2])
        local t = redis.call('TIME')
        local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
        local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
        local tokens = tonumber(state[1]) or burst
        local at = tonumber(state[2]) or now
        tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
        local allowed = 0
        local retry = 0
        if tokens >= 1 then
          tokens = tokens - 1
          allowed = 1
        else
          retry = math.ceil((1 - tokens) / rate * 1000)
        end
        redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
        redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
        return {allowed, retry}
        """;

    public static async Task<(bool Allowed, TimeSpan RetryAfter)> TakeAsync(IDatabase redis, RateLimitPolicy policy, string client)
    {
        var result = (RedisResult[])(await redis.ScriptEvaluateAsync(Script,
            [new RedisKey($"viatique:ratelimit:{policy.Name}:{client}")],
            [policy.Burst, policy.TokensPerSecond.ToString(CultureInfo.InvariantCulture)]))!;
        return ((int)result[0] == 1, TimeSpan.FromMilliseconds((long)result[1]));
    }
}
