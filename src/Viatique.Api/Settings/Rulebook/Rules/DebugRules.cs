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

/// <summary>W012: text logs outside Development (LOG_FORMAT=text) are a choice, but log collectors expect JSON lines.</summary>
public sealed class JsonLogsOutsideDevelopment : Rule
{
    public override string Id => "VIQ-W012";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (!context.IsDevelopment && context.Settings.LogFormat == LogFormat.Text)
        {
            yield return Found("LOG_FORMAT", $"LOG_FORMAT=text in {context.Environment}: log collectors that expect one JSON object per line will not parse these lines",
                "remove LOG_FORMAT (JSON is the default outside Development), or set LOG_FORMAT=json");
        }
    }
}
