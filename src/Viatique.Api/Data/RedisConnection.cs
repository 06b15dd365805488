using StackExchange.Redis;

namespace Viatique.Api.Data;

/// <summary>
/// The process's one Redis connection (jobs, shared rate limits, health), opened lazily and
/// never fatal: while Redis is away callers see it as unavailable, and the multiplexer keeps
/// reconnecting in the background.
/// </summary>
public sealed class RedisConnection(string url) : IAsyncDisposable
{
    readonly Lazy<Task<ConnectionMultiplexer>> _multiplexer = new(() => ConnectionMultiplexer.ConnectAsync(Options(url)));

    public Task<ConnectionMultiplexer> GetAsync() => _multiplexer.Value;

    /// <summary>Reads redis://[user]:password@host:port/db (rediss:// for TLS) into client options.</summary>
    public static ConfigurationOptions Options(string url)
    {
        var uri = new Uri(url);
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectTimeout = 2000,
            SyncTimeout = 2000,
            AsyncTimeout = 2000,
            Ssl = uri.Scheme == "rediss",
            ClientName = "viatique",
            // While disconnected, fail at once (callers fall back) instead of queueing commands.
            BacklogPolicy = BacklogPolicy.FailFast,
        };
        options.EndPoints.Add(uri.Host.Trim('[', ']'), uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port);
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':');
            var user = Uri.UnescapeDataString(colon < 0 ? "" : uri.UserInfo[..colon]);
            options.User = user.Length > 0 ? user : null;
            options.Password = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[(colon + 1)..]);
        }
        if (uri.AbsolutePath.Trim('/') is { Length: > 0 } db && int.TryParse(db, out var database))
        {
            options.DefaultDatabase = database;
        }
        return options;
    }

    /// <summary>Starts connecting when the host starts, so the first request finds Redis ready.</summary>
    public sealed class WarmUp(RedisConnection redis) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = redis.GetAsync();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer.IsValueCreated)
        {
            try
            {
                await (await _multiplexer.Value).DisposeAsync();
            }
            catch (RedisConnectionException)
            {
                // Never connected: nothing to close.
            }
        }
    }
}
