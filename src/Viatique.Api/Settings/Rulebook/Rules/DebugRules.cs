namespace Viatique.Api.Settings.Rulebook.Rules;

public sealed class DebugOnlyInDevelopment : Rule
{
    public override string Id => "VIQ-E010";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (!context.IsDevelopment && context.Settings.Debug)
        {
            yield return Found("DEBUG", $"DEBUG is true in {context.Environment}; it exposes internals and verbose logs",
                "set DEBUG=false (DEBUG=true is only for ASPNETCORE_ENVIRONMENT=Development)");
        }
    }
}
