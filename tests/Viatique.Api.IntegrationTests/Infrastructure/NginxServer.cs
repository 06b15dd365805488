using System.Globalization;

namespace Viatique.Api.IntegrationTests.Infrastructure;

/// <summary>
/// A throwaway nginx on a free loopback port, in the foreground, with every path (pid, temp
/// folders, logs) inside its own temp directory. The caller gives the server block(s);
/// <c>{port}</c> in them is replaced by the listening port.
/// </summary>
public sealed class NginxServer : IAsyncDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("viatique-nginx-").FullName;
    ServerProcess? _server;

    public int Port { get; } = Ports.Free();
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public async Task StartAsync(string serverBlocks)
    {
        var config = Path.Combine(_root, "nginx.conf");
        File.WriteAllText(config, $$"""
            daemon off;
            pid {{_root}}/nginx.pid;
            error_log stderr warn;
            worker_processes 1;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path {{_root}}/client_body;
                proxy_temp_path {{_root}}/proxy;
                fastcgi_temp_path {{_root}}/fastcgi;
                uwsgi_temp_path {{_root}}/uwsgi;
                scgi_temp_path {{_root}}/scgi;
                {{serverBlocks.Replace("{port}", Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)}}
            }
            """);
        var nginx = File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : Repo.FindOnPath("nginx");
        await ServerProcess.RunAsync(nginx, ["-t", "-q", "-p", _root, "-e", "stderr", "-c", config]);
        _server = new ServerProcess(nginx, ["-p", _root, "-e", "stderr", "-c", config]);
        try
        {
            await Ports.WaitUntilAcceptingAsync(Port, TimeSpan.FromSeconds(15), () => _server.HasExited);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"nginx did not start on 127.0.0.1:{Port}:\n{_server.Output}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            // SIGQUIT: graceful shutdown of master and workers.
            await _server.StopAsync("QUIT");
            _server.Dispose();
        }
        Directory.Delete(_root, recursive: true);
    }
}
