using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Hosting;

public class DevelopmentHostTests
{
    [Fact]
    public async Task StartsWithNoConfigurationServesLivenessAndLogsOnlyJsonLinesWhenAsked()
    {
        await using var app = AppProcess.Start(TestEnv.Development(("LOG_FORMAT", "json")));
        await app.WaitUntilListeningAsync();
        using var http = new HttpClient { BaseAddress = app.BaseAddress };

        using var response = await http.GetAsync("/health/live/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("alive", (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("status").GetString());

        app.Signal("TERM");
        Assert.Equal(0, await app.WaitForExitAsync());

        Assert.NotEmpty(app.StdoutLines);
        foreach (var line in app.StdoutLines)
        {
            using var json = JsonDocument.Parse(line);
            foreach (var field in new[] { "asctime", "name", "levelname", "message" })
            {
                Assert.True(json.RootElement.TryGetProperty(field, out _), $"'{field}' missing in {line}");
            }
        }
        Assert.Contains(app.StdoutLines, l => l.Contains("\"VIQ-W001\"", StringComparison.Ordinal));
        // A clean start and stop logs no error (background services end quietly on SIGTERM).
        Assert.DoesNotContain(app.StdoutLines, l => l.Contains("\"levelname\":\"ERROR\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CreatesAndMigratesTheSqliteFileAndReportsHealthy()
    {
        await using var app = AppProcess.Start(TestEnv.Development());
        await app.WaitUntilListeningAsync();
        using var http = new HttpClient { BaseAddress = app.BaseAddress };

        using var response = await http.GetAsync("/health/", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":"healthy","database":"connected","redis":"not configured"}""", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.True(File.Exists(Path.Combine(app.WorkingDirectory, "data", "viatique.db")));
        Assert.Contains("Applied migration", app.Stdout);
    }

    [Fact]
    public async Task AccessLogHasOneLinePerRequestWithItsRequestId()
    {
        await using var app = AppProcess.Start(TestEnv.Development(("LOG_FORMAT", "json")));
        await app.WaitUntilListeningAsync();
        using var http = new HttpClient { BaseAddress = app.BaseAddress };

        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live/?token=s3cret-in-query");
        request.Headers.Add("X-Request-ID", "req-42.abc");
        using var honoured = await http.SendAsync(request, TestContext.Current.CancellationToken);
        using var generated = await http.GetAsync("/health/live/", TestContext.Current.CancellationToken);
        using var notFound = await http.GetAsync("/nowhere", TestContext.Current.CancellationToken);

        Assert.Equal("req-42.abc", honoured.Headers.GetValues("X-Request-ID").Single());
        var generatedId = generated.Headers.GetValues("X-Request-ID").Single();
        Assert.Matches("^[0-9a-f]{32}$", generatedId);

        app.Signal("TERM");
        await app.WaitForExitAsync();
        var access = app.StdoutLines
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(j => j.GetProperty("name").GetString() == "viatique.access")
            .ToList();
        Assert.Equal(3, access.Count);
        var first = access[0];
        Assert.Equal(("GET", "/health/live/", 200, "127.0.0.1", "req-42.abc"),
            (first.GetProperty("method").GetString(), first.GetProperty("path").GetString(), first.GetProperty("status").GetInt32(),
             first.GetProperty("client_ip").GetString(), first.GetProperty("request_id").GetString()));
        Assert.True(first.GetProperty("duration_ms").GetDouble() >= 0);
        Assert.Equal(generatedId, access[1].GetProperty("request_id").GetString());
        Assert.Equal(404, access[2].GetProperty("status").GetInt32());
        Assert.DoesNotContain("s3cret-in-query", app.Stdout);
    }

    [Fact]
    public async Task DebugTrueLogsAtDebugLevelAndDefaultIsInfo()
    {
        await using var quiet = AppProcess.Start(TestEnv.Development(("LOG_FORMAT", "json")));
        await using var verbose = AppProcess.Start(TestEnv.Development(("DEBUG", "true"), ("LOG_FORMAT", "json")));
        await Task.WhenAll(quiet.WaitUntilListeningAsync(), verbose.WaitUntilListeningAsync());
        quiet.Signal("TERM");
        verbose.Signal("TERM");
        await Task.WhenAll(quiet.WaitForExitAsync(), verbose.WaitForExitAsync());

        Assert.DoesNotContain("\"levelname\":\"DEBUG\"", quiet.Stdout);
        Assert.Contains("\"levelname\":\"DEBUG\"", verbose.Stdout);
    }
}
