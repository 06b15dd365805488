using System.Net;
using System.Net.Sockets;

namespace Viatique.Api.IntegrationTests.Infrastructure;

static class Ports
{
    /// <summary>A loopback port that was free a moment ago.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static bool Accepts(int port, string host = "127.0.0.1")
    {
        try
        {
            using var client = new TcpClient();
            return client.ConnectAsync(host, port).Wait(TimeSpan.FromMilliseconds(500)) && client.Connected;
        }
        catch (AggregateException)
        {
            return false;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static async Task WaitUntilAcceptingAsync(int port, TimeSpan timeout, Func<bool>? giveUp = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Accepts(port))
            {
                return;
            }
            if (giveUp?.Invoke() == true)
            {
                throw new InvalidOperationException($"gave up waiting for port {port}");
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"nothing listened on 127.0.0.1:{port} within {timeout.TotalSeconds:0} s");
    }
}
