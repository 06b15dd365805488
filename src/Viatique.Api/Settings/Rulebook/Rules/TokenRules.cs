namespace Viatique.Api.Settings.Rulebook.Rules;

public sealed class MetricsTokenLongEnough : Rule
{
    public const int MinLength = 32;

    public override string Id => "VIQ-E070";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (context.Settings.MetricsToken is { } token && token.Length < MinLength)
        {
            yield return Found("METRICS_TOKEN", $"METRICS_TOKEN has {token.Length} characters; {MinLength} needed so it cannot be guessed",
                "generate one: openssl rand -hex 32");
        }
    }
}

public sealed class PasswordResetTimeoutInRange : Rule
{
    public static readonly TimeSpan Min = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan Max = TimeSpan.FromDays(30);

    public override string Id => "VIQ-E080";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        var timeout = context.Settings.PasswordResetTimeout;
        if (timeout < Min || timeout > Max)
        {
            yield return Found("PASSWORD_RESET_TIMEOUT", $"PASSWORD_RESET_TIMEOUT is {(long)timeout.TotalSeconds} s; a reset link must live between 60 s and 30 days (2592000 s)",
                "remove PASSWORD_RESET_TIMEOUT (default 259200, three days) or set a value in that range");
        }
    }
}
