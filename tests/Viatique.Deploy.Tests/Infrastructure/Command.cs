using System.Diagnostics;
using System.Text;

namespace Viatique.Deploy.Tests.Infrastructure;

/// <summary>The result of one finished command.</summary>
public sealed record CommandResult(string Display, int ExitCode, string Output, string Error)
{
    public bool Ok => ExitCode == 0;

    /// <summary>Throws, with the command and its output, unless it exited 0.</summary>
    public CommandResult Check() => Ok
        ? this
        : throw new InvalidOperationException($"`{Display}` exited {ExitCode}.\n{Transcript}");

    /// <summary>Both outputs, for a failed assertion's message (a script's report may be on either).</summary>
    public string Transcript => $"stdout:\n{Tail(Output)}\nstderr:\n{Tail(Error)}";

    static string Tail(string text) => text.Length > 6000 ? "…" + text[^6000..] : text;
}

/// <summary>
/// Runs a program to completion with a time limit (killed, with its children, when it is over),
/// capturing both outputs. Used for docker, docker-compose, debootstrap and openssl.
/// </summary>
public static class Command
{
    public static async Task<CommandResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null,
        string? standardInput = null)
    {
        var info = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            WorkingDirectory = workingDirectory ?? Repo.Root,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[name] = value;
        }
        var display = program + " " + string.Join(' ', info.ArgumentList);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
            process.StandardInput.Close();
        }
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException($"`{display}` did not finish within {timeout.TotalSeconds:0} s.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        }
        process.WaitForExit();
        lock (stdout)
        {
            lock (stderr)
            {
                return new CommandResult(display, process.ExitCode, stdout.ToString(), stderr.ToString());
            }
        }
    }

    public static Task<CommandResult> RunAsync(string program, params string[] arguments) =>
        RunAsync(program, arguments, TimeSpan.FromMinutes(2));

    /// <summary>docker with the given arguments, failing loudly.</summary>
    public static async Task<string> DockerAsync(params string[] arguments) =>
        (await RunAsync("docker", arguments, TimeSpan.FromMinutes(5))).Check().Output.Trim();
}
