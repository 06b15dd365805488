using System.Collections.Concurrent;
using System.Diagnostics;

namespace Viatique.Api.IntegrationTests.Infrastructure;

/// <summary>
/// A throwaway server binary (postgres, redis-server, nginx) run as our child, with its output
/// kept for failure messages; stopped and signalled by its own PID only.
/// </summary>
sealed class ServerProcess : IDisposable
{
    readonly Process _process;
    readonly ConcurrentQueue<string> _output = new();

    public ServerProcess(string program, IEnumerable<string> arguments, string? runAsUser = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(runAsUser is null ? program : "setpriv")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        if (runAsUser is not null)
        {
            // setpriv execs in place, so the PID we hold is the server's own.
            foreach (var a in new[] { $"--reuid={runAsUser}", $"--regid={runAsUser}", "--init-groups", "--", program })
            {
                info.ArgumentList.Add(a);
            }
        }
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public string Output => string.Join('\n', _output.TakeLast(60));

    public void Signal(string signal) => Signal(_process.Id, signal);

    public static void Signal(int pid, string signal)
    {
        // A process that ended meanwhile (a backend that quit) is no error here: kill's complaint
        // about it is not printed into the test run's output.
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {pid}") { UseShellExecute = false, RedirectStandardError = true })!;
        kill.StandardError.ReadToEnd();
        kill.WaitForExit();
    }

    /// <summary>The process and all its descendants, read from /proc.</summary>
    public static IReadOnlyList<int> SelfAndDescendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid))
            {
                try
                {
                    // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    parents[pid] = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
                }
                catch (IOException)
                {
                    // The process ended while we looked.
                }
            }
        }
        var result = new List<int> { root };
        for (var i = 0; i < result.Count; i++)
        {
            result.AddRange(parents.Where(p => p.Value == result[i]).Select(p => p.Key));
        }
        return result;
    }

    /// <summary>Asks the server to stop with <paramref name="signal"/>, then kills it if it lingers.</summary>
    public async Task StopAsync(string signal = "TERM", TimeSpan? grace = null)
    {
        if (_process.HasExited)
        {
            return;
        }
        Signal(signal);
        using var wait = new CancellationTokenSource(grace ?? TimeSpan.FromSeconds(20));
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    /// <summary>Runs a short command to its end, throwing with its output when it fails.</summary>
    public static async Task RunAsync(string program, IEnumerable<string> arguments, string? runAsUser = null)
    {
        using var process = new ServerProcess(program, arguments, runAsUser);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process._process.WaitForExitAsync(timeout.Token);
        process._process.WaitForExit();
        if (process._process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} exited {process._process.ExitCode}:\n{process.Output}");
        }
    }
}
