using System.Net;
using System.Net.Sockets;
using System.Text;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Hosting;

/// <summary>
/// What anonymous callers may send to the JSON endpoints (SPEC §6, §7): small bodies, the right
/// content type and method, no control characters where a database would choke on them.
/// One host for the class; each test calls it from an address of its own.
/// </summary>
public class RequestBodyTests(RequestBodyTests.Accounts accounts) : IClassFixture<RequestBodyTests.Accounts>
{
    public sealed class Accounts(PostgresServer postgres, RedisServer redis) : AccountsHosts(postgres, redis)
    {
        protected override string Prefix => "bodies";
        protected override string[] Users => [];
    }

    readonly AppProcess _app = accounts.App;

    static CancellationToken Token => TestContext.Current.CancellationToken;

    long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_app.Pid}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    [Fact]
    public async Task MebibyteJsonBodiesAre413AndMemoryStaysFlat()
    {
        using var browser = new BrowserClient(_app);
        await browser.FetchCsrfAsync();
        using (var warmUp = await browser.PostJsonAsync("/api/auth/password-reset/", new { email = "warm-up@example.com" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, warmUp.StatusCode);
        }
        var before = ResidentBytes();
        var huge = new string('a', 1024 * 1024) + "@example.com";

        var json = Encoding.UTF8.GetBytes($$"""{"email":"{{huge}}","username":"{{huge}}","password":"{{huge}}","token":"{{huge}}"}""");
        foreach (var path in new[] { "/api/auth/password-reset/", "/api/auth/login/", "/api/auth/password-reset/confirm/" })
        {
            for (var i = 0; i < 12; i++)
            {
                // Declared (Content-Length) and undeclared (chunked) bodies alike.
                Assert.Equal(413, await SendJsonAsync(path, json, chunked: i % 2 == 1, browser));
            }
        }

        var grown = ResidentBytes() - before;
        Assert.True(grown < 64L * 1024 * 1024, $"resident memory grew by {grown / 1024 / 1024} MiB");
    }

    [Fact]
    public async Task SmallJsonIsStillReadWhenSentChunked()
    {
        using var browser = new BrowserClient(_app);
        await browser.FetchCsrfAsync();
        Assert.Equal(202, await SendJsonAsync("/api/auth/password-reset/", """{"email":"chunked@example.com"}"""u8.ToArray(), chunked: true, browser));
    }

    [Fact]
    public async Task WrongContentTypeIs415AndWrongMethodIs405()
    {
        using var browser = new BrowserClient(_app);
        await browser.FetchCsrfAsync();

        using var form = await browser.SendAsync(HttpMethod.Post, "/api/auth/login/", new StringContent("username=a&password=b", Encoding.UTF8, "application/x-www-form-urlencoded"));
        using var text = await browser.SendAsync(HttpMethod.Post, "/api/auth/password-reset/", new StringContent("""{"email":"a@example.com"}""", Encoding.UTF8, "text/plain"));
        using var get = await browser.GetAsync("/api/auth/login/");
        using var delete = await browser.SendAsync(HttpMethod.Delete, "/api/auth/me/");
        using var nowhere = await browser.GetAsync("/api/nothing-lives-here/");

        Assert.Equal(
            (HttpStatusCode.UnsupportedMediaType, HttpStatusCode.UnsupportedMediaType, HttpStatusCode.MethodNotAllowed, HttpStatusCode.MethodNotAllowed, HttpStatusCode.NotFound),
            (form.StatusCode, text.StatusCode, get.StatusCode, delete.StatusCode, nowhere.StatusCode));
        Assert.Contains("POST", get.Content.Headers.Allow);
    }

    [Fact]
    public async Task ResetTokensWithNulBytesAre400()
    {
        using var browser = new BrowserClient(_app);
        await browser.FetchCsrfAsync();
        var logged = _app.StdoutLines.Count;
        // Raw NUL bytes, and valid base64url that decodes to NUL bytes ("AA").
        foreach (var token in new[] { "\u0000", "AA\u0000.BB", "AA.BB\u0000", "AA.AA" })
        {
            using var response = await browser.PostJsonAsync("/api/auth/password-reset/confirm/", new { token, password = "a-new-Passw0rd-long" });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        Assert.DoesNotContain(_app.StdoutLines.Skip(logged), l => l.Contains("\"levelname\":\"ERROR\"", StringComparison.Ordinal));
    }

    /// <summary>
    /// Sends JSON on a raw socket (HttpClient may lose an early 413 while it is still sending) and
    /// returns the status, with a Content-Length or chunked.
    /// </summary>
    async Task<int> SendJsonAsync(string path, byte[] json, bool chunked, BrowserClient browser)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _app.Port, Token);
        var stream = client.GetStream();
        var head = $"POST {path} HTTP/1.1\r\nHost: {BrowserClient.Site}\r\nX-Forwarded-Proto: https\r\nX-Forwarded-For: {browser.ClientIp}\r\n" +
            $"Origin: {BrowserClient.Origin}\r\nX-CSRFToken: {browser.Cookie("csrftoken")}\r\nCookie: csrftoken={browser.Cookie("csrftoken")}\r\n" +
            "Content-Type: application/json\r\n" + (chunked ? "Transfer-Encoding: chunked" : $"Content-Length: {json.Length}") + "\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), Token);
        var reading = Task.Run(async () =>
        {
            var buffer = new byte[512];
            var read = await stream.ReadAsync(buffer, Token);
            return int.Parse(Encoding.ASCII.GetString(buffer, 0, read).Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        }, Token);
        try
        {
            for (var offset = 0; offset < json.Length && !reading.IsCompleted; offset += 16 * 1024)
            {
                var length = Math.Min(16 * 1024, json.Length - offset);
                if (chunked)
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"{length:x}\r\n"), Token);
                }
                await stream.WriteAsync(json.AsMemory(offset, length), Token);
                if (chunked)
                {
                    await stream.WriteAsync("\r\n"u8.ToArray(), Token);
                }
            }
            if (chunked)
            {
                await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), Token);
            }
        }
        catch (IOException)
        {
            // The server answered 413 and closed while we were sending: that is the point.
        }
        return await reading.WaitAsync(TimeSpan.FromSeconds(30), Token);
    }
}
