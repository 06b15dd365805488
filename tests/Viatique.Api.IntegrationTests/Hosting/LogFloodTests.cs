using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Hosting;

/// <summary>
/// A log consumer that stalls while requests flood in (SPEC §9): the host keeps answering, drops
/// ordinary lines rather than blocking requests, says how many it dropped, and drops no security
/// event.
/// </summary>
public partial class LogFloodTests(PostgresServer postgres, RedisServer redis)
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>More access lines than the ordinary queue (2 000) and the pipe's buffer hold together.</summary>
    const int Requests = 15_000;

    [GeneratedRegex(@"dropped (\d+) lines in the last interval")]
    private static partial Regex DroppedReport();

    [Fact]
    public async Task UnderAFloodOrdinaryLinesAreDroppedAndCountedButNoSecurityEventIs()
    {
        var db = await AccountsDatabase.CreateAsync(postgres, redis, "logflood");
        var gate = Path.Combine(Directory.CreateTempSubdirectory("viatique-log-gate-").FullName, "open");
        await using var app = AppProcess.StartWithStalledStdout(db.Env, gate);
        await app.WaitUntilListeningAsync();
        using var http = Clients.For(app);

        // Nobody reads the host's stdout: its writes block, its queue fills, then lines are dropped.
        var clock = Stopwatch.StartNew();
        var next = 0;
        var answered = 0;
        var workers = Enumerable.Range(0, 16).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= Requests && clock.Elapsed < TimeSpan.FromSeconds(90))
            {
                using var response = await http.GetAsync("/health/live/", Token);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Interlocked.Increment(ref answered);
            }
        });
        await Task.WhenAll(workers);
        Assert.Equal(Requests, answered);

        // A security event in the middle of the flood, while stdout is still stalled.
        using var intruder = new BrowserClient(app);
        Assert.Equal(HttpStatusCode.Unauthorized, await intruder.LoginAsync("flood-intruder", "wrong-password-123"));

        // Once stdout flows again, every request is accounted for: written, or counted in a
        // report (a report covers the drops of its 10 s interval, so there may be two).
        File.WriteAllText(gate, "");
        await Eventually.TrueAsync(() => AccessLines(app.StdoutLines) + Dropped(app.StdoutLines) >= Requests, seconds: 30);

        var lines = app.StdoutLines;
        var (accessLines, dropped) = (AccessLines(lines), Dropped(lines));
        Assert.True(dropped > 0, "no drop reported");
        Assert.True(accessLines < Requests, $"{accessLines} access lines for {Requests} requests: nothing was dropped");
        Assert.Contains(lines, l => l.Contains("viatique.security.login", StringComparison.Ordinal) && l.Contains("flood-intruder", StringComparison.Ordinal));
        TestContext.Current.SendDiagnosticMessage($"{Requests} requests in {clock.Elapsed.TotalSeconds:0.0} s: {accessLines} access lines written, {dropped} lines reported dropped");
    }

    static int AccessLines(IReadOnlyList<string> lines) =>
        lines.Count(l => l.Contains("\"name\":\"viatique.access\"", StringComparison.Ordinal) && l.Contains("/health/live/", StringComparison.Ordinal));

    static long Dropped(IReadOnlyList<string> lines) =>
        lines.Select(l => DroppedReport().Match(l)).Where(m => m.Success).Sum(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
}
