namespace Viatique.Api.Settings.Rulebook;

/// <summary>
/// A startup rule: a small check of the settings with a stable id (<c>VIQ-E0xx</c> for errors,
/// <c>VIQ-W0xx</c> for warnings). Ids are never renumbered nor reused.
/// </summary>
public interface IRule
{
    string Id { get; }

    /// <summary>Zero or more findings; none when the rule does not apply to this environment.</summary>
    IEnumerable<Finding> Evaluate(RuleContext context);
}

/// <summary>
/// What a rule may look at: plain data, so unit tests need no host.
/// </summary>
/// <param name="Settings">The settings snapshot.</param>
/// <param name="Now">The current time.</param>
/// <param name="SecretKeyFirstSeen">When the host first saw the current SECRET_KEY, when known.</param>
public sealed record RuleContext(ViatiqueSettings Settings, DateTimeOffset Now, DateTimeOffset? SecretKeyFirstSeen = null)
{
    public AppEnvironment Environment => Settings.Environment;
    public bool IsProduction => Environment == AppEnvironment.Production;
    public bool IsDevelopment => Environment == AppEnvironment.Development;

    public static RuleContext For(ViatiqueSettings settings) => new(settings, DateTimeOffset.UtcNow);
}

/// <summary>
/// Base for the common rule shape: an id, a severity, one message and hint declared once.
/// </summary>
public abstract class Rule : IRule
{
    public abstract string Id { get; }
    public virtual Severity Severity => Id.StartsWith("VIQ-W", StringComparison.Ordinal) ? Severity.Warning : Severity.Error;
    public abstract IEnumerable<Finding> Evaluate(RuleContext context);

    protected Finding Found(string variable, string message, string hint) => new(Id, Severity, variable, message, hint);
}
