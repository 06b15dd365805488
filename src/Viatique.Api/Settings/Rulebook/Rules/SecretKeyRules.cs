namespace Viatique.Api.Settings.Rulebook.Rules;

/// <summary>Strength tests shared by SECRET_KEY and each SECRET_KEY_FALLBACKS entry.</summary>
static class SecretKeyStrength
{
    public const int MinimumLength = 50;
    public const int MinimumDistinct = 5;

    /// <summary>What is wrong with <paramref name="key"/>, without quoting it; null when strong.</summary>
    public static (string Id, string Problem)? Weakness(string key)
    {
        if (IsPlaceholder(key))
        {
            return ("VIQ-E004", "is a placeholder (a 'django-insecure-' prefix, 'changeme', text in <...>, or the .env.example value)");
        }
        if (key.Length < MinimumLength)
        {
            return ("VIQ-E002", $"has {key.Length} characters; at least {MinimumLength} are needed");
        }
        var distinct = key.Distinct().Count();
        if (distinct < MinimumDistinct)
        {
            return ("VIQ-E003", $"has only {distinct} distinct characters; at least {MinimumDistinct} are needed");
        }
        return null;
    }

    static bool IsPlaceholder(string key) =>
        key.StartsWith("django-insecure-", StringComparison.OrdinalIgnoreCase)
        || key.Contains("changeme", StringComparison.OrdinalIgnoreCase)
        || key.Contains("change-me", StringComparison.OrdinalIgnoreCase)
        || (key.IndexOf('<') is var open and >= 0 && key.IndexOf('>', open) > open)
        || key == SettingsReader.ExampleSecretKey;

    public const string Hint = "generate one with `openssl rand -base64 48` (or `python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`)";
}

public sealed class SecretKeyRequired : Rule
{
    public override string Id => "VIQ-E001";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (!context.IsDevelopment && string.IsNullOrEmpty(context.Settings.SecretKey))
        {
            yield return Found("SECRET_KEY", "SECRET_KEY is not set; sessions, CSRF tokens and reset links cannot be protected",
                "set SECRET_KEY (or SECRET_KEY_FILE); " + SecretKeyStrength.Hint);
        }
    }
}

/// <summary>E002 (too short), E003 (too few distinct characters), E004 (placeholder).</summary>
public sealed class SecretKeyStrong(string id) : Rule
{
    public override string Id => id;

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        var key = context.Settings.SecretKey;
        if (context.IsDevelopment || string.IsNullOrEmpty(key) || SecretKeyStrength.Weakness(key) is not { } weakness || weakness.Id != Id)
        {
            yield break;
        }
        yield return Found("SECRET_KEY", $"SECRET_KEY {weakness.Problem}", SecretKeyStrength.Hint);
    }
}

public sealed class SecretKeyFallbacksStrong : Rule
{
    public override string Id => "VIQ-E005";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (context.IsDevelopment)
        {
            yield break;
        }
        var fallbacks = context.Settings.SecretKeyFallbacks;
        for (var i = 0; i < fallbacks.Count; i++)
        {
            if (SecretKeyStrength.Weakness(fallbacks[i]) is { } weakness)
            {
                yield return Found("SECRET_KEY_FALLBACKS", $"SECRET_KEY_FALLBACKS entry {i + 1} {weakness.Problem}",
                    "a fallback is a previous SECRET_KEY and must be as strong; remove weak entries");
            }
        }
    }
}

public sealed class EphemeralSecretKey : Rule
{
    public override string Id => "VIQ-W001";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (context.Settings.SecretKeyIsEphemeral)
        {
            yield return Found("SECRET_KEY", "SECRET_KEY is not set: using a random key for this process only; sessions end when it stops",
                "set SECRET_KEY in your environment to keep sessions across restarts");
        }
    }
}

public sealed class SecretKeyRotation : Rule
{
    public const int RotationDays = 90;

    public override string Id => "VIQ-W002";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (context.IsDevelopment || context.SecretKeyFirstSeen is not { } firstSeen)
        {
            yield break;
        }
        var age = (context.Now - firstSeen).TotalDays;
        if (age > RotationDays)
        {
            yield return Found("SECRET_KEY", $"SECRET_KEY has been in use for {age:0} days; the rulebook rotates it every {RotationDays}",
                "generate a new SECRET_KEY and move the current one to SECRET_KEY_FALLBACKS so sessions survive the rotation");
        }
    }
}
