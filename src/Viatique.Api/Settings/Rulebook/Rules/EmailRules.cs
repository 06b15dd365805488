using System.Globalization;

namespace Viatique.Api.Settings.Rulebook.Rules;

public sealed class EmailUsesTls : Rule
{
    public override string Id => "VIQ-E050";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (context.IsProduction && context.Settings.EmailHost is not null && !context.Settings.EmailUseTls)
        {
            yield return Found("EMAIL_USE_TLS", "EMAIL_HOST is set but EMAIL_USE_TLS is false in Production: passwords and reset links would cross the network in clear",
                "set EMAIL_USE_TLS=true (port 587 with STARTTLS, or 465)");
        }
    }
}

public sealed class EmailPortIsPort : Rule
{
    public override string Id => "VIQ-E051";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        var text = context.Settings.EmailPortText;
        if (text is not null && !(int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535))
        {
            yield return Found("EMAIL_PORT", "EMAIL_PORT is not a port number between 1 and 65535", "set EMAIL_PORT=587 (STARTTLS) or 465 (TLS)");
        }
    }
}
