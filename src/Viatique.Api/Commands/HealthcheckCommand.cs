using System.CommandLine;
using Viatique.Api.Health;
using Viatique.Api.Jobs;
using Viatique.Api.Settings;

namespace Viatique.Api.Commands;

/// <summary>
/// The container's HEALTHCHECK, per role, so the image needs no curl: the web role probes the
/// local /health/; the background roles ask Redis whether their job server still beats.
/// </summary>
static class HealthcheckCommand
{
    static readonly Option<string?> Url = new("--url")
    {
        Description = "Health URL to probe for --role web (default: /health/ on the first ASPNETCORE_URLS address, via loopback).",
    };

    static readonly Option<string> Role = new Option<string>("--role")
    {
        Description = "The process to probe: web (HTTP /health/), worker or scheduler (job server heartbeat in Redis).",
        DefaultValueFactory = _ => "web",
    }.AcceptOnlyFromAmong("web", "worker", "scheduler");

    public static Command Create()
    {
        var command = new Command("healthcheck", "Probe this container's process: exit 0 when healthy, 1 otherwise.") { Role, Url };
        command.SetAction((parse, cancellationToken) => parse.GetValue(Role) switch
        {
            "worker" => ProbeJobServerAsync(JobRole.Worker),
            "scheduler" => ProbeJobServerAsync(JobRole.Scheduler),
            _ => ProbeWebAsync(parse.GetValue(Url), cancellationToken),
        });
        return command;
    }

    static async Task<int> ProbeJobServerAsync(JobRole role)
    {
        try
        {
            var verdict = await JobHeartbeat.CheckAsync(role, SettingsReader.FromProcessEnvironment(), DateTime.UtcNow).WaitAsync(TimeSpan.FromSeconds(10));
            Console.WriteLine($"{(verdict.Healthy ? "healthy" : "unhealthy")}: {verdict.Message}");
            return verdict.Healthy ? ExitCodes.Ok : ExitCodes.Failure;
        }
        catch (Exception e) when (e is TimeoutException or StackExchange.Redis.RedisException or IOException)
        {
            Console.WriteLine($"unhealthy: the job storage did not answer ({e.GetType().Name})");
            return ExitCodes.Failure;
        }
    }

    static async Task<int> ProbeWebAsync(string? url, CancellationToken cancellationToken)
    {
        var target = url ?? LocalHealthUrl(Environment.GetEnvironmentVariable("ASPNETCORE_URLS"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, target);
            request.Headers.Host = "localhost";
            using var response = await http.SendAsync(request, cancellationToken);
            var report = await response.Content.ReadFromJsonAsync<HealthReport>(cancellationToken);
            Console.WriteLine($"{(int)response.StatusCode} {report?.Status} database={report?.Database} redis={report?.Redis}");
            return response.IsSuccessStatusCode && report?.Healthy == true ? ExitCodes.Ok : ExitCodes.Failure;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            Console.WriteLine($"unhealthy: {target} did not answer ({e.GetType().Name})");
            return ExitCodes.Failure;
        }
    }

    /// <summary>The first listening URL, with a wildcard host replaced by loopback.</summary>
    public static string LocalHealthUrl(string? urls)
    {
        var first = (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "http://localhost:8000";
        var schemeEnd = first.IndexOf("://", StringComparison.Ordinal) + 3;
        var authority = first[schemeEnd..];
        var hostEnd = authority.StartsWith('[') ? authority.IndexOf(']') + 1 : authority.IndexOfAny([':', '/']);
        var host = hostEnd <= 0 ? authority : authority[..hostEnd];
        var rest = hostEnd <= 0 ? "" : authority[hostEnd..].TrimEnd('/');
        var local = host is "0.0.0.0" or "*" or "+" or "[::]" or "" ? "127.0.0.1" : host;
        return $"{first[..schemeEnd]}{local}{rest}/health/";
    }
}
