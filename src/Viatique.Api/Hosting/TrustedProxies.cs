using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Viatique.Api.Logging;

namespace Viatique.Api.Hosting;

/// <summary>
/// TRUSTED_PROXIES, parsed once: the peers whose X-Forwarded-For/-Proto are believed. Client IP
/// and scheme everywhere else (logs, rate limits, redirects, cookies) come from the forwarded
/// headers middleware configured here, and from nowhere else.
/// </summary>
public sealed class TrustedProxies
{
    readonly IPAddress[] _addresses;
    readonly System.Net.IPNetwork[] _networks;

    public TrustedProxies(IEnumerable<string> entries)
    {
        var addresses = new List<IPAddress>();
        var networks = new List<System.Net.IPNetwork>();
        foreach (var entry in entries)
        {
            if (IPAddress.TryParse(entry, out var address))
            {
                addresses.Add(address);
            }
            else if (System.Net.IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
        }
        _addresses = [.. addresses];
        _networks = [.. networks];
    }

    public bool Contains(IPAddress? peer)
    {
        if (peer is null)
        {
            return false;
        }
        if (peer.IsIPv4MappedToIPv6)
        {
            peer = peer.MapToIPv4();
        }
        return _addresses.Contains(peer) || _networks.Any(n => n.Contains(peer));
    }

    public void Configure(ForwardedHeadersOptions options)
    {
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var address in _addresses)
        {
            options.KnownProxies.Add(address);
        }
        foreach (var network in _networks)
        {
            options.KnownIPNetworks.Add(network);
        }
        // One proxy hop (nginx): the rightmost X-Forwarded-For entry is the one nginx wrote.
        options.ForwardLimit = 1;
    }
}

/// <summary>
/// X-Forwarded-* from a peer outside TRUSTED_PROXIES is ignored (by the forwarded headers
/// middleware) and reported here at WARNING, once per peer and hour, so a wrong TRUSTED_PROXIES
/// shows in the log instead of hiding at Debug level.
/// </summary>
public sealed partial class UntrustedForwardedHeaders(RequestDelegate next, TrustedProxies proxies, TimeProvider clock, ILoggerFactory loggers)
{
    static readonly TimeSpan Quiet = TimeSpan.FromHours(1);
    const int MaxRemembered = 10_000;

    readonly ILogger _logger = loggers.CreateLogger(LoggerNames.Proxy);
    readonly System.Collections.Concurrent.ConcurrentDictionary<IPAddress, DateTimeOffset> _lastWarned = new();

    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Request.Headers;
        if ((headers.ContainsKey("X-Forwarded-For") || headers.ContainsKey("X-Forwarded-Proto"))
            && context.Connection.RemoteIpAddress is { } peer
            && !proxies.Contains(peer))
        {
            var now = clock.GetUtcNow();
            if (!_lastWarned.TryGetValue(peer, out var last) || now - last >= Quiet)
            {
                if (_lastWarned.Count >= MaxRemembered)
                {
                    _lastWarned.Clear();
                }
                _lastWarned[peer] = now;
                Ignored(_logger, peer.ToString());
            }
        }
        return next(context);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored X-Forwarded-* headers from {peer}, which is not in TRUSTED_PROXIES; if it is your proxy, add it there (next warning for this peer in an hour)")]
    static partial void Ignored(ILogger logger, string peer);
}
