using System.Net;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Hosting;

/// <summary>
/// The HTTP edge over real sockets: proxies, HTTPS, hosts, headers, Kestrel limits. One host for
/// the class; a test that reads the log reads only the lines written after it began.
/// </summary>
public class HardeningTests(EdgeHost edge) : IClassFixture<EdgeHost>
{
    const string Site = "viatique.example.com";
    readonly AppProcess _app = edge.App;

    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TrustedProxySayingHttpsGetsHstsAndNoRedirect()
    {
        using var http = Clients.For(_app);
        using var response = await http.SendAsync(Clients.Get("/api/anything/", ("Host", Site), ("X-Forwarded-Proto", "https"), ("X-Forwarded-For", "198.51.100.7")), Token);

        Assert.NotEqual(HttpStatusCode.PermanentRedirect, response.StatusCode);
        Assert.Equal("max-age=31536000; includeSubDomains; preload", response.Headers.GetValues("Strict-Transport-Security").Single());
    }

    [Fact]
    public async Task SameHeadersFromAnUntrustedPeerAreIgnoredRedirectedAndLoggedOnce()
    {
        using var http = Clients.For(_app, fromAddress: "127.0.0.2");
        var logged = _app.StdoutLines.Count;
        using var first = await http.SendAsync(Clients.Get("/api/anything/?q=1", ("Host", Site), ("X-Forwarded-Proto", "https")), Token);
        using var second = await http.SendAsync(Clients.Get("/api/anything/", ("Host", Site), ("X-Forwarded-Proto", "https")), Token);

        Assert.Equal(HttpStatusCode.PermanentRedirect, first.StatusCode);
        Assert.Equal($"https://{Site}/api/anything/?q=1", first.Headers.Location?.ToString());
        Assert.False(first.Headers.Contains("Strict-Transport-Security"));
        await Eventually.TrueAsync(() => _app.StdoutLines.Skip(logged).Any(l => l.Contains("from 127.0.0.2, which is not in TRUSTED_PROXIES", StringComparison.Ordinal)));
        Assert.Single(_app.StdoutLines.Skip(logged), l => l.Contains("Ignored X-Forwarded-* headers from 127.0.0.2", StringComparison.Ordinal)
            && l.Contains("\"levelname\":\"WARNING\"", StringComparison.Ordinal) && l.Contains("viatique.security", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PlainHttpHealthWithHostLocalhostIsAnsweredNotRedirected()
    {
        using var http = Clients.For(_app);
        using var response = await http.SendAsync(Clients.Get("/health/live/", ("Host", "localhost")), Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task PlainHttpApiRequestIsRedirectedToHttps()
    {
        using var http = Clients.For(_app);
        using var response = await http.SendAsync(Clients.Get("/api/x/", ("Host", Site)), Token);
        Assert.Equal(HttpStatusCode.PermanentRedirect, response.StatusCode);
        Assert.Equal($"https://{Site}/api/x/", response.Headers.Location?.ToString());
    }

    [Theory]
    [InlineData("/health/live/", "localhost", null)]
    [InlineData("/api/missing/", Site, "https")]
    [InlineData("/api/missing/", Site, null)]
    [InlineData("/api/missing/", "evil.example.net", "https")]
    public async Task EveryResponseCarriesTheSecurityHeadersAndNoServerHeader(string path, string host, string? proto)
    {
        using var http = Clients.For(_app);
        using var request = proto is null ? Clients.Get(path, ("Host", host)) : Clients.Get(path, ("Host", host), ("X-Forwarded-Proto", proto));
        using var response = await http.SendAsync(request, Token);

        string Header(string name) => string.Join(",", response.Headers.TryGetValues(name, out var v) ? v : []);
        Assert.Equal("nosniff", Header("X-Content-Type-Options"));
        Assert.Equal("DENY", Header("X-Frame-Options"));
        Assert.Equal("same-origin", Header("Referrer-Policy"));
        Assert.Equal("same-origin", Header("Cross-Origin-Opener-Policy"));
        Assert.Equal("default-src 'none'; frame-ancestors 'none'", Header("Content-Security-Policy"));
        Assert.Equal("0", Header("X-XSS-Protection"));
        Assert.False(response.Headers.Contains("Server"));
    }

    [Fact]
    public async Task RequestLineOver4094BytesIs414()
    {
        var status = await RawHttp.SendAsync(_app.Port, $"GET /api/{new string('a', 5000)} HTTP/1.1\r\nHost: {Site}\r\n\r\n");
        Assert.Equal(414, status);
    }

    [Fact]
    public async Task MoreThan100HeaderFieldsIs431()
    {
        var headers = string.Concat(Enumerable.Range(0, 150).Select(i => $"X-Filler-{i}: {i}\r\n"));
        var status = await RawHttp.SendAsync(_app.Port, $"GET /api/ HTTP/1.1\r\nHost: {Site}\r\n{headers}\r\n");
        Assert.Equal(431, status);
    }

    [Fact]
    public async Task BodyOver50MegabytesIs413()
    {
        const long size = 51L * 1024 * 1024;
        var status = await RawHttp.SendAsync(_app.Port,
            $"POST /api/upload/ HTTP/1.1\r\nHost: {Site}\r\nX-Forwarded-Proto: https\r\nContent-Type: application/octet-stream\r\nContent-Length: {size}\r\n\r\n", size);
        Assert.Equal(413, status);
    }

    [Fact]
    public async Task HeadersTrickledSlowerThanFifteenSecondsAreCutWith408()
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _app.Port, Token);
        var stream = client.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"GET /api/ HTTP/1.1\r\nHost: {Site}\r\n"), Token);
        var started = DateTime.UtcNow;

        // Never finish the headers (a slowloris client); Kestrel must give up on its own.
        var buffer = new byte[256];
        var read = await stream.ReadAsync(buffer, Token).AsTask().WaitAsync(TimeSpan.FromSeconds(40), Token);
        var elapsed = DateTime.UtcNow - started;

        Assert.StartsWith("HTTP/1.1 408", System.Text.Encoding.ASCII.GetString(buffer, 0, read));
        Assert.InRange(elapsed.TotalSeconds, 10, 30);
    }

    [Fact]
    public async Task DisallowedHostIs400AndASecurityWarning()
    {
        var logged = _app.StdoutLines.Count;
        var status = await RawHttp.SendAsync(_app.Port, "GET /api/ HTTP/1.1\r\nHost: attacker.example.net\r\nX-Forwarded-Proto: https\r\n\r\n");

        Assert.Equal(400, status);
        await Eventually.TrueAsync(() => _app.StdoutLines.Skip(logged).Any(l =>
            l.Contains("\"name\":\"viatique.security.DisallowedHost\"", StringComparison.Ordinal)
            && l.Contains("attacker.example.net", StringComparison.Ordinal)
            && l.Contains("\"levelname\":\"WARNING\"", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("sub.viatique.example.com", false)]
    [InlineData("VIATIQUE.EXAMPLE.COM", true)]
    [InlineData("127.0.0.1", true)]
    public async Task HostMatchingIsExactAndCaseInsensitive(string host, bool allowed)
    {
        using var http = Clients.For(_app);
        using var response = await http.SendAsync(Clients.Get("/api/x/", ("Host", host), ("X-Forwarded-Proto", "https")), Token);
        Assert.Equal(allowed, response.StatusCode != HttpStatusCode.BadRequest);
    }
}
