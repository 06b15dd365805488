namespace Viatique.Api.Settings.Rulebook;

/// <summary>
/// Thrown by composition code when the rulebook finds errors. Exactly one place catches it,
/// prints the report and exits with <c>78</c> (EX_CONFIG).
/// </summary>
public sealed class RulebookViolation(RulebookReport report)
    : Exception($"The production rulebook found {report.Errors.Count} error(s).")
{
    public RulebookReport Report { get; } = report;
}
