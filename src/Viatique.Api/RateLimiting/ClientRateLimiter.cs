using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Viatique.Api.Data;
using Viatique.Api.Logging;

namespace Viatique.Api.RateLimiting;

/// <summary>
/// Per-client-IP limits, shared through Redis when it is configured and reachable, local to the
/// process otherwise (and while Redis is away: the API keeps serving, the log says so, and shared
/// limits return with Redis).
/// </summary>
public sealed partial class ClientRateLimiter : PartitionedRateLimiter<HttpContext>
{
    /// <summary>A Redis answer slower than this falls back to the local bucket for that request.</summary>
    static readonly TimeSpan RedisBudget = TimeSpan.FromMilliseconds(250);

    readonly RedisConnection? _redis;
    readonly ILogger _logger;
    readonly PartitionedRateLimiter<string> _local;
    volatile bool _shared;

    public ClientRateLimiter(ILoggerFactory loggers, RedisConnection? redis = null)
    {
        _redis = redis;
        _shared = redis is not null;
        _logger = loggers.CreateLogger(LoggerNames.RateLimit);
        _local = PartitionedRateLimiter.Create<string, string>(key =>
            RateLimitPartition.GetTokenBucketLimiter(key, k => RateLimitPolicy.All.First(p => k.StartsWith(p.Name + ":", StringComparison.Ordinal)).LocalOptions()));
    }

    /// <summary>The client's bucket key: its IPv4 address, or its IPv6 /64.</summary>
    public static string ClientOf(HttpContext context) => ClientNetwork.Of(context.Connection.RemoteIpAddress);

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        if (RateLimitPolicy.For(resource.Request.Path) is not { } policy)
        {
            return Lease.Granted;
        }
        // Shared limits need a Redis round trip (or the first connection): "not yet" sends the
        // middleware on to AcquireAsync.
        return Connecting() || SharedAvailable() ? Lease.Deferred : _local.AttemptAcquire($"{policy.Name}:{ClientOf(resource)}", permitCount);
    }

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken)
    {
        if (RateLimitPolicy.For(resource.Request.Path) is not { } policy)
        {
            return Lease.Granted;
        }
        var client = ClientOf(resource);
        if (Connecting())
        {
            // The first requests after start wait (briefly) for Redis rather than spend a local bucket.
            await Task.WhenAny(_redis!.GetAsync(), Task.Delay(RedisBudget, cancellationToken));
        }
        if (SharedAvailable())
        {
            try
            {
                var multiplexer = await _redis!.GetAsync();
                var (allowed, retryAfter) = await RedisTokenBucket.TakeAsync(multiplexer.GetDatabase(), policy, client).WaitAsync(RedisBudget, cancellationToken);
                if (!_shared)
                {
                    _shared = true;
                    SharedAgain(_logger);
                }
                return allowed ? Lease.Granted : Lease.Rejected(retryAfter);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Whatever StackExchange.Redis throws (connection, timeout, server, object disposed
                // at shutdown…), the request is served from the local bucket, never answered 500.
                // A slow answer from a connected Redis (an overloaded machine) is not an outage:
                // this request alone is served locally, without flipping the mode and logging it.
                if (_shared && !(e is TimeoutException && SharedAvailable()))
                {
                    _shared = false;
                    FellBackToLocal(_logger, e.GetType().Name);
                }
            }
        }
        return _local.AttemptAcquire($"{policy.Name}:{client}", permitCount);
    }

    bool Connecting() => _redis is not null && !_redis.GetAsync().IsCompleted;

    /// <summary>Redis is configured and connected (a reconnect in the background makes this true again).</summary>
    bool SharedAvailable()
    {
        if (_redis?.GetAsync() is not { IsCompletedSuccessfully: true } connection)
        {
            return false;
        }
        var connected = connection.Result.IsConnected;
        if (!connected && _shared)
        {
            _shared = false;
            FellBackToLocal(_logger, "disconnected");
        }
        return connected;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _local.Dispose();
        }
        base.Dispose(disposing);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis unreachable ({error}): rate limits are now local to this process until it returns")]
    static partial void FellBackToLocal(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis reachable again: rate limits are shared across replicas")]
    static partial void SharedAgain(ILogger logger);

    sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Granted = new(true, null);
        public static readonly Lease Deferred = new(false, null);

        public static Lease Rejected(TimeSpan retryAfter) => new(false, retryAfter);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}

/// <summary>
/// One WARNING per client and policy per minute, carrying how many rejections it stands for, so a
/// flood does not flood the log.
/// </summary>
public sealed partial class RejectionLog(ILoggerFactory loggers, TimeProvider clock)
{
    static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    const int MaxTracked = 10_000;

    readonly ILogger _logger = loggers.CreateLogger(LoggerNames.RateLimit);
    readonly ConcurrentDictionary<string, (DateTimeOffset Since, int Suppressed)> _windows = new();

    public void Rejected(string policy, string client, string path)
    {
        var key = policy + ":" + client;
        var now = clock.GetUtcNow();
        if (_windows.TryGetValue(key, out var window) && now - window.Since < Window)
        {
            _windows[key] = window with { Suppressed = window.Suppressed + 1 };
            return;
        }
        if (_windows.Count >= MaxTracked)
        {
            _windows.Clear();
        }
        _windows[key] = (now, 0);
        Limited(_logger, client, policy, path, window.Suppressed);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rate limit {policy} exceeded by {client_ip} on {path} (429; {suppressed} earlier rejections not logged)")]
    static partial void Limited(ILogger logger, string client_ip, string policy, string path, int suppressed);
}
