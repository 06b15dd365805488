using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Viatique.Api.IntegrationTests.Infrastructure;

static class Clients
{
    /// <summary>An HTTP client that never follows redirects, optionally connecting from another loopback address.</summary>
    public static HttpClient For(AppProcess app, string? fromAddress = null)
    {
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false };
        if (fromAddress is not null)
        {
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                socket.Bind(new IPEndPoint(IPAddress.Parse(fromAddress), 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            };
        }
        return new HttpClient(handler) { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public static HttpRequestMessage Get(string path, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers)
        {
            if (name == "Host")
            {
                request.Headers.Host = value;
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }
        return request;
    }
}

/// <summary>HTTP/1.1 written by hand on a socket, for requests HttpClient refuses to send.</summary>
static class RawHttp
{
    /// <summary>Sends <paramref name="head"/> (and a body of <paramref name="bodyBytes"/> zeros, streamed) and returns the status code.</summary>
    public static async Task<int> SendAsync(int port, string head, long bodyBytes = 0)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var reading = ReadStatusAsync(stream);
        var chunk = new byte[64 * 1024];
        try
        {
            for (long sent = 0; sent < bodyBytes && !reading.IsCompleted; sent += chunk.Length)
            {
                await stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, bodyBytes - sent)));
            }
        }
        catch (IOException)
        {
            // The server answered and closed while we were still sending: that is the point.
        }
        return await reading.WaitAsync(TimeSpan.FromSeconds(30));
    }

    static async Task<int> ReadStatusAsync(NetworkStream stream)
    {
        var buffer = new byte[1024];
        var text = new StringBuilder();
        while (!text.ToString().Contains("\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                break;
            }
            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        var statusLine = text.ToString().Split("\r\n")[0];
        return int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
