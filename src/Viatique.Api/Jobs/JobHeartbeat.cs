using StackExchange.Redis;
using Viatique.Api.Data;
using Viatique.Api.Settings;

namespace Viatique.Api.Jobs;

/// <summary>
/// The probe behind <c>healthcheck --role worker|scheduler</c>: is the job server this container
/// started (its name is in a file under the temporary directory) still beating in Redis?
/// </summary>
public static class JobHeartbeat
{
    public sealed record Verdict(bool Healthy, string Message);

    public static async Task<Verdict> CheckAsync(JobRole role, ViatiqueSettings settings, DateTime utcNow)
    {
        var file = JobServerIdentity.FileFor(role);
        if (!File.Exists(file))
        {
            return new(false, $"no {Name(role)} job server has started in this container ({file} is missing)");
        }
        var serverName = (await File.ReadAllTextAsync(file)).Trim();
        if (settings.IsDevelopment || settings.RedisUrl is null)
        {
            return new(false, "the job storage is in memory (Development): no other process can see its heartbeat");
        }
        await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnection.Options(settings.RedisUrl));
        if (!redis.IsConnected)
        {
            return new(false, "Redis (the job storage) did not answer");
        }
        var servers = JobsExtensions.RedisStorageOn(redis, settings.RedisUrl).GetMonitoringApi().Servers()
            .Where(s => s.Name.StartsWith(serverName + ":", StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (servers.Count == 0)
        {
            return new(false, $"job server {serverName} is not registered in Redis (stopped, or removed after missing its heartbeats)");
        }
        // A server that has not beaten yet counts from its start.
        var age = utcNow - servers.Max(s => s.Heartbeat ?? s.StartedAt);
        return age <= JobTimings.ServerTimeout
            ? new(true, $"job server {serverName} beat {age.TotalSeconds:0} s ago")
            : new(false, $"job server {serverName} last beat {age.TotalSeconds:0} s ago (more than {JobTimings.ServerTimeout.TotalSeconds:0} s)");
    }

    static string Name(JobRole role) => role.ToString().ToLowerInvariant();
}
