using System.Text.Json.Serialization;

namespace Viatique.Api.Settings.Rulebook;

public enum Severity { Error, Warning, Info }

/// <summary>
/// One violation found by a rule: which rule, which variable, what is wrong (never the value
/// of a secret) and the exact fix.
/// </summary>
public sealed record Finding(string Id, Severity Severity, string Variable, string Message, string Hint)
{
    [JsonIgnore]
    public bool IsError => Severity == Severity.Error;
}
