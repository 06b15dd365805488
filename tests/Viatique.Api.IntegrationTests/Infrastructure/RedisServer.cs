using System.Globalization;
using System.Security.Cryptography;

namespace Viatique.Api.IntegrationTests.Infrastructure;

/// <summary>A throwaway redis-server on a free loopback port, with a password and no persistence.</summary>
public sealed class RedisServer : IAsyncLifetime
{
    readonly string _root = Directory.CreateTempSubdirectory("viatique-redis-").FullName;
    ServerProcess? _server;

    public int Port { get; } = Ports.Free();
    public string Password { get; } = "rd-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
    public string Url(int database = 0) => $"redis://:{Password}@127.0.0.1:{Port}/{database}";

    public async ValueTask InitializeAsync() => await StartAsync();

    public async Task StartAsync()
    {
        _server?.Dispose();
        _server = new ServerProcess(Repo.FindOnPath("redis-server"),
            ["--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--requirepass", Password,
             "--save", "", "--appendonly", "no", "--dir", _root, "--daemonize", "no"]);
        try
        {
            await Ports.WaitUntilAcceptingAsync(Port, TimeSpan.FromSeconds(15), () => _server.HasExited);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"redis-server did not start on 127.0.0.1:{Port}:\n{_server.Output}", e);
        }
    }

    public Task StopAsync() => _server?.StopAsync("TERM") ?? Task.CompletedTask;

    /// <summary>SIGKILL: connections die mid-command, as when a container is killed.</summary>
    public Task KillAsync() => _server?.StopAsync("KILL") ?? Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.StopAsync("TERM");
            _server.Dispose();
        }
        Directory.Delete(_root, recursive: true);
    }
}
