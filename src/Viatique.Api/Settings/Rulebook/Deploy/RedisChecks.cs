using StackExchange.Redis;
using Viatique.Api.Data;

namespace Viatique.Api.Settings.Rulebook.Deploy;

/// <summary>VIQ-E102: the Redis of CELERY_BROKER_URL answers PING.</summary>
public sealed class RedisReachable : IDeployCheck
{
    public string Id => "VIQ-E102";
    public string Title => "Redis reachable";

    public async Task<IReadOnlyList<Finding>> RunAsync(RuleContext context, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        if (settings.RedisUrl is not { } url)
        {
            return [];
        }
        var options = RedisConnection.Options(url);
        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(cancellationToken);
            await redis.GetDatabase().PingAsync().WaitAsync(cancellationToken);
            return [];
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return [new Finding(Id, Severity.Error, settings.RedisUrlVariable, $"Redis at {options.EndPoints[0]} does not answer ({e.GetType().Name})",
                $"start Redis, or fix {settings.RedisUrlVariable}'s host, port and password")];
        }
    }
}
