using System.Security.Cryptography;
using Npgsql;

namespace Viatique.Api.IntegrationTests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL 15 cluster: initdb in a temp directory, a free loopback port,
/// password authentication, run as the unprivileged 'postgres' user when the tests run as root.
/// No fallback: if it cannot start, the fixture fails and says why.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    public const string User = "postgres";

    readonly string _root = Directory.CreateTempSubdirectory("viatique-pg-").FullName;
    readonly string? _runAs = Environment.UserName == "root" ? UnprivilegedUser() : null;
    ServerProcess? _server;

    public int Port { get; } = Ports.Free();
    public string Password { get; } = "pg-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
    public int? Pid => _server?.Pid;

    /// <summary>The server's last log lines (warnings and errors of every test sharing it).</summary>
    public string Log => _server?.Output ?? "";
    string DataDir => Path.Combine(_root, "data");

    public async ValueTask InitializeAsync()
    {
        var bin = BinDirectory();
        File.WriteAllText(Path.Combine(_root, "pwfile"), Password);
        Directory.CreateDirectory(Path.Combine(_root, "socket"));
        if (_runAs is not null)
        {
            await ServerProcess.RunAsync("chown", ["-R", _runAs, _root]);
        }
        await ServerProcess.RunAsync(Path.Combine(bin, "initdb"),
            ["-D", DataDir, "-U", User, $"--pwfile={Path.Combine(_root, "pwfile")}", "--auth-local=trust", "--auth-host=scram-sha-256",
             "-E", "UTF8", "--no-locale", "--no-sync"], _runAs);
        await StartAsync();
    }

    public async Task StartAsync()
    {
        _server?.Dispose();
        _server = new ServerProcess(Path.Combine(BinDirectory(), "postgres"),
            ["-D", DataDir, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-k", Path.Combine(_root, "socket"),
             "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
             "-c", "max_connections=300", "-c", "log_min_messages=warning"], _runAs);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
                await connection.OpenAsync();
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline && !_server.HasExited)
            {
                await Task.Delay(100);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"PostgreSQL did not start on 127.0.0.1:{Port}: {e.Message}\n{_server.Output}", e);
            }
        }
    }

    /// <summary>Fast shutdown (SIGINT): connections are cut, the data stays.</summary>
    public Task StopAsync() => _server?.StopAsync("INT") ?? Task.CompletedTask;

    /// <summary>SIGSTOP to the postmaster and every backend: the server hangs rather than refuses.</summary>
    public void Freeze() => SignalAll("STOP");

    public void Thaw() => SignalAll("CONT");

    void SignalAll(string signal)
    {
        foreach (var pid in ServerProcess.SelfAndDescendants(_server!.Pid))
        {
            ServerProcess.Signal(pid, signal);
        }
    }

    public string Url(string database) => $"postgresql://{User}:{Password}@127.0.0.1:{Port}/{database}";

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = User, Password = Password, Database = database, Pooling = false }.ConnectionString;

    /// <summary>A new empty database with a unique name, so no test sees another's rows.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix.ToLowerInvariant()}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        await ExecuteAsync("postgres", $"CREATE DATABASE \"{name}\"");
        return name;
    }

    public async Task<object?> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    public Task ExecuteAsync(string database, string sql) => ScalarAsync(database, sql);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            Thaw();
            await _server.StopAsync("INT");
            _server.Dispose();
        }
        Directory.Delete(_root, recursive: true);
    }

    static string BinDirectory()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => d == "/usr/lib/postgresql/15").ThenByDescending(d => d)
            : Enumerable.Empty<string>();
        return candidates.Select(d => Path.Combine(d, "bin")).FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            ?? throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql: apt-get install postgresql-15 (the README's test command does).");
    }

    static string UnprivilegedUser() =>
        File.ReadLines("/etc/passwd").Any(l => l.StartsWith("postgres:", StringComparison.Ordinal)) ? "postgres" : "nobody";
}
