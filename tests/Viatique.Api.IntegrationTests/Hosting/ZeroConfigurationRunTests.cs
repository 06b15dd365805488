using System.Diagnostics;
using System.Net;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Hosting;

/// <summary>The README's run command, exactly: <c>dotnet run --project src/Viatique.Api</c> on port 8000.</summary>
public class ZeroConfigurationRunTests
{
    [Fact]
    public async Task DotnetRunServesOnPort8000WithNoEnvironment()
    {
        Assert.False(Ports.Accepts(8000), "port 8000 is already taken on this machine; stop what uses it");
        var info = new ProcessStartInfo(Repo.Dotnet) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repo.Root };
        foreach (var argument in new[] { "run", "--no-build", "--project", "src/Viatique.Api" })
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment.Clear();
        info.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        info.Environment["HOME"] = Environment.GetEnvironmentVariable("HOME") ?? Path.GetTempPath();
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var run = Process.Start(info)!;
        run.BeginOutputReadLine();
        run.BeginErrorReadLine();
        try
        {
            await Ports.WaitUntilAcceptingAsync(8000, TimeSpan.FromSeconds(60), () => run.HasExited);
            using var http = new HttpClient { BaseAddress = new Uri("http://localhost:8000") };
            using var response = await http.GetAsync("/health/live/", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            run.Kill(entireProcessTree: true);
            await run.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }
}
