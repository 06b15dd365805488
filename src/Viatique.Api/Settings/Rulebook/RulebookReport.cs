using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Viatique.Api.Settings.Rulebook;

/// <summary>
/// The findings of one run, printed like <c>manage.py check</c>: errors, then warnings, one line
/// each, then a count.
/// </summary>
public sealed record RulebookReport(AppEnvironment Environment, IReadOnlyList<Finding> Findings)
{
    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public IReadOnlyList<Finding> Errors => [.. Findings.Where(f => f.Severity == Severity.Error)];
    public IReadOnlyList<Finding> Warnings => [.. Findings.Where(f => f.Severity == Severity.Warning)];
    public bool HasErrors => Findings.Any(f => f.IsError);

    public RulebookReport With(IEnumerable<Finding> more) => this with { Findings = [.. Findings, .. more] };

    public static string Line(Finding f) => $"{f.Id} {f.Variable}: {f.Message}. Hint: {f.Hint}.";

    public string ToText()
    {
        var text = new StringBuilder();
        foreach (var group in new[] { Severity.Error, Severity.Warning, Severity.Info })
        {
            foreach (var finding in Findings.Where(f => f.Severity == group))
            {
                text.AppendLine(Line(finding));
            }
        }
        var errors = Errors.Count;
        var warnings = Warnings.Count;
        text.Append(errors == 0 && warnings == 0
            ? $"System check identified no issues ({Environment})."
            : $"System check identified {Plural(errors, "error")} and {Plural(warnings, "warning")} ({Environment}).");
        return text.ToString();
    }

    public string ToJson() => JsonSerializer.Serialize(new
    {
        Environment = Environment.ToString(),
        Errors = Errors.Count,
        Warnings = Warnings.Count,
        Findings,
    }, Json);

    static string Plural(int n, string word) => n == 1 ? $"1 {word}" : $"{n} {word}s";
}
