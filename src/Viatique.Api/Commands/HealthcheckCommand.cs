using System.CommandLine;
using Viatique.Api.Health;

namespace Viatique.Api.Commands;

/// <summary>The container's HEALTHCHECK: probes the local /health/ so the image needs no curl.</summary>
static class HealthcheckCommand
{
    static readonly Option<string?> Url = new("--url")
    {
        Description = "Health URL to probe (default: /health/ on the first ASPNETCORE_URLS address, via loopback).",
    };

    public static Command Create()
    {
        var command = new Command("healthcheck", "Probe the local /health/: exit 0 when healthy, 1 otherwise.") { Url };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(Url), cancellationToken));
        return command;
    }

    static async Task<int> RunAsync(string? url, CancellationToken cancellationToken)
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
