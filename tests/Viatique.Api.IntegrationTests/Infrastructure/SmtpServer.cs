namespace Viatique.Api.IntegrationTests.Infrastructure;

/// <summary>
/// A real SMTP server on loopback: Python's standard smtpd DebuggingServer, which prints every
/// message it receives. Can be started late, on a port chosen in advance (an SMTP server that is down).
/// </summary>
sealed class SmtpServer : IDisposable
{
    ServerProcess? _process;

    public int Port { get; } = Ports.Free();
    public string PortText => Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    public string Output => _process?.Output ?? "";

    /// <summary>How many messages arrived so far.</summary>
    public int Received => Output.Split('\n').Count(l => l.Contains("END MESSAGE", StringComparison.Ordinal));

    public async Task StartAsync()
    {
        _process = new ServerProcess("/usr/bin/python3", ["-u", "-W", "ignore", "-m", "smtpd", "-n", "-c", "DebuggingServer", $"127.0.0.1:{Port}"]);
        await Ports.WaitUntilAcceptingAsync(Port, TimeSpan.FromSeconds(15), () => _process.HasExited);
    }

    /// <summary>Host settings that send mail here, in Staging (Production rightly demands TLS).</summary>
    public (string, string)[] Env() =>
        [("ASPNETCORE_ENVIRONMENT", "Staging"), ("EMAIL_HOST", "127.0.0.1"), ("EMAIL_PORT", PortText), ("EMAIL_USE_TLS", "false"), ("DEFAULT_FROM_EMAIL", "noreply@viatique.example.com")];

    public void Dispose() => _process?.Dispose();
}
