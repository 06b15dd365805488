using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Viatique.Api.IntegrationTests.Infrastructure;

/// <summary>
/// The real host as a child process: exactly the given environment (nothing inherited unless
/// asked), stdout and stderr captured line by line, stopped by its PID.
/// </summary>
sealed class AppProcess : IAsyncDisposable
{
    /// <summary>Every host a test started, so none outlives the test run (see <see cref="AppProcessReaper"/>).</summary>
    internal static readonly ConcurrentBag<Process> Started = [];

    readonly Process _process;
    readonly ConcurrentQueue<string> _stdout = new();
    readonly ConcurrentQueue<string> _stderr = new();
    readonly TaskCompletionSource _outClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly TaskCompletionSource _errClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Port { get; }
    /// <summary>The process's own working directory (Development's SQLite file lands here).</summary>
    public string WorkingDirectory { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");
    public string Stdout => string.Join('\n', _stdout);
    public string Stderr => string.Join('\n', _stderr);
    public IReadOnlyList<string> StdoutLines => [.. _stdout];
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    AppProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        WorkingDirectory = process.StartInfo.WorkingDirectory;
        process.OutputDataReceived += (_, e) => { if (e.Data is null) { _outClosed.TrySetResult(); } else { _stdout.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is null) { _errClosed.TrySetResult(); } else { _stderr.Enqueue(e.Data); } };
        process.Start();
        Started.Add(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Starts the host with <paramref name="env"/> and, unless given, a free loopback port.</summary>
    public static AppProcess Start(IReadOnlyDictionary<string, string> env, string arguments = "", int? port = null, bool inheritPath = true) =>
        Start(env, arguments, port, inheritPath, stdoutGate: null);

    /// <summary>
    /// Starts the host with its stdout in a pipe that nobody reads until the file
    /// <paramref name="gate"/> exists: a stalled log consumer (a blocked log driver), so that the
    /// host's console writes block once the pipe's buffer is full. Then everything flows through.
    /// </summary>
    public static AppProcess StartWithStalledStdout(IReadOnlyDictionary<string, string> env, string gate) =>
        Start(env, "", port: null, inheritPath: true, stdoutGate: gate);

    static AppProcess Start(IReadOnlyDictionary<string, string> env, string arguments, int? port, bool inheritPath, string? stdoutGate)
    {
        var chosen = port ?? Ports.Free();
        var info = new ProcessStartInfo(stdoutGate is null ? Repo.Dotnet : "/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Directory.CreateTempSubdirectory("viatique-app-").FullName,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (stdoutGate is not null)
        {
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("""gate=$1; shift; "$@" | { while [ ! -e "$gate" ]; do sleep 0.1; done; exec cat; }""");
            info.ArgumentList.Add("sh");
            info.ArgumentList.Add(stdoutGate);
            info.ArgumentList.Add(Repo.Dotnet);
        }
        info.ArgumentList.Add(Repo.AppDll);
        foreach (var argument in arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment.Clear();
        if (inheritPath)
        {
            info.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        }
        if (port is null && !env.ContainsKey("ASPNETCORE_URLS"))
        {
            info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{chosen}";
        }
        foreach (var (name, value) in env)
        {
            info.Environment[name] = value;
        }
        return new AppProcess(new Process { StartInfo = info }, chosen);
    }

    /// <summary>Runs a verb (check, migrate…) to its end.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IReadOnlyDictionary<string, string> env, string arguments, TimeSpan? timeout = null)
    {
        await using var process = Start(env, arguments);
        var exitCode = await process.WaitForExitAsync(timeout);
        return (exitCode, process.Stdout, process.Stderr);
    }

    /// <summary>Runs <c>migrate</c> (it must succeed), then starts the host and waits until it listens.</summary>
    public static async Task<AppProcess> StartMigratedAsync(IReadOnlyDictionary<string, string> env)
    {
        var (exitCode, stdout, stderr) = await RunAsync(env, "migrate --timeout 30");
        Assert.True(exitCode == 0, $"migrate failed:\n{stdout}\n{stderr}");
        var app = Start(env);
        await app.WaitUntilListeningAsync();
        return app;
    }

    /// <summary>Writes <paramref name="text"/> to the process's standard input and closes it.</summary>
    public async Task WriteInputAsync(string text)
    {
        await _process.StandardInput.WriteAsync(text);
        _process.StandardInput.Close();
    }

    public Task WaitUntilListeningAsync(TimeSpan? timeout = null) =>
        Ports.WaitUntilAcceptingAsync(Port, timeout ?? TimeSpan.FromSeconds(30), () => _process.HasExited);

    /// <summary>Waits for the process to end; its output is complete when this returns.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(cts.Token);
        await Task.WhenAll(_outClosed.Task, _errClosed.Task).WaitAsync(TimeSpan.FromSeconds(10));
        return _process.ExitCode;
    }

    /// <summary>Sends a signal to this process only (SIGTERM for a graceful stop).</summary>
    public void Signal(string signal = "TERM") => ServerProcess.Signal(_process.Id, signal);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Directory.Delete(WorkingDirectory, recursive: true);
    }
}

/// <summary>At the end of the run, stops (by PID) any host a test forgot to dispose.</summary>
public sealed class AppProcessReaper : IAsyncDisposable
{
    public ValueTask DisposeAsync()
    {
        foreach (var process in AppProcess.Started)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
                // Already disposed by its test: it has exited.
            }
        }
        return ValueTask.CompletedTask;
    }
}
