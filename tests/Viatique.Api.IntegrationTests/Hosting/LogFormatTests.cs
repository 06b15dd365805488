using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Hosting;

/// <summary>
/// JSON lines everywhere but a developer's terminal: Development writes readable text unless
/// LOG_FORMAT=json, LOG_FORMAT overrides either way, and secrets are masked in both formats.
/// </summary>
public partial class LogFormatTests
{
    const string Token = "metrics-token-that-must-never-be-logged-0123";

    [GeneratedRegex(@"^\d\d:\d\d:\d\d\.\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) +[\w.]+: ")]
    private static partial Regex TextLine();

    /// <summary>Starts the host, asks for a path carrying a secret and a URL password, stops it, returns its stdout.</summary>
    static async Task<IReadOnlyList<string>> RunAsync(Dictionary<string, string> env)
    {
        env["METRICS_TOKEN"] = Token;
        await using var app = AppProcess.Start(env);
        await app.WaitUntilListeningAsync();
        using var http = Clients.For(app);
        using var response = await http.SendAsync(Clients.Get($"/nowhere/{Token}/redis://u:hunter2-pw@cache/", ("Host", "localhost"), ("X-Forwarded-Proto", "https")), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        app.Signal("TERM");
        await app.WaitForExitAsync();
        Assert.NotEmpty(app.StdoutLines);
        Assert.DoesNotContain(Token, app.Stdout);
        Assert.DoesNotContain("hunter2-pw", app.Stdout);
        return app.StdoutLines;
    }

    static void AllText(IReadOnlyList<string> lines)
    {
        // Every record starts with its time, level and logger; only an exception's lines follow one.
        Assert.Matches(TextLine(), lines[0]);
        Assert.DoesNotContain(lines, line => line.StartsWith('{'));
        Assert.All(lines.Where(line => char.IsDigit(line[0])), line => Assert.Matches(TextLine(), line));
        var access = Assert.Single(lines, l => l.Contains(" viatique.access: ", StringComparison.Ordinal));
        Assert.Contains("/nowhere/***/", access);
        Assert.Contains("request_id=", access);
    }

    static void AllJson(IReadOnlyList<string> lines)
    {
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            Assert.True(json.RootElement.TryGetProperty("levelname", out _), line);
        }
        var access = lines.Select(l => JsonDocument.Parse(l).RootElement).Single(j => j.GetProperty("name").GetString() == "viatique.access");
        Assert.StartsWith("/nowhere/***/", access.GetProperty("path").GetString());
    }

    [Fact]
    public async Task DevelopmentWritesReadableTextByDefault() =>
        AllText(await RunAsync(TestEnv.Development()));

    [Fact]
    public async Task DevelopmentWritesJsonWhenAsked() =>
        AllJson(await RunAsync(TestEnv.Development(("LOG_FORMAT", "json"))));

    [Fact]
    public async Task ProductionWritesJsonByDefault() =>
        AllJson(await RunAsync(TestEnv.Production()));

    [Fact]
    public async Task ProductionWritesTextWhenAskedAndWarnsAboutIt()
    {
        var lines = await RunAsync(TestEnv.Production(("LOG_FORMAT", "TEXT")));
        AllText(lines);
        Assert.Contains(lines, l => l.Contains("WARNING", StringComparison.Ordinal) && l.Contains("VIQ-W012", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnUnknownFormatStopsProductionNamingTheVariable()
    {
        var (exitCode, _, stderr) = await AppProcess.RunAsync(TestEnv.Production(("LOG_FORMAT", "xml")), "");

        Assert.Equal(78, exitCode);
        Assert.Contains("VIQ-E012 LOG_FORMAT", stderr);
    }
}
