using System.Diagnostics;
using System.Text;

namespace Viatique.Api.IntegrationTests.Infrastructure;

/// <summary>
/// One of the repository's shell scripts (docker/backup.sh…) or a command-line tool, run to its
/// end with exactly the given environment plus PATH, its output captured.
/// </summary>
static class Script
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    public static Task<Result> RunAsync(string relativePath, IReadOnlyDictionary<string, string> env, params string[] arguments) =>
        RunProgramAsync(Repo.Path(relativePath), env, arguments);

    public static async Task<Result> RunProgramAsync(string program, IReadOnlyDictionary<string, string> env, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Repo.Root,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment.Clear();
        info.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        foreach (var (name, value) in env)
        {
            info.Environment[name] = value;
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish in time:\n{await stderr}");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
