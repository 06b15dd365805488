namespace Viatique.Api.Settings.Rulebook.Rules;

public sealed class RedisUrlRequired : Rule
{
    public override string Id => "VIQ-E060";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (!context.IsDevelopment && context.Settings.RedisUrl is null)
        {
            yield return Found("CELERY_BROKER_URL", $"CELERY_BROKER_URL (or REDIS_URL) is not set; {context.Environment} keeps jobs and shared rate limits in Redis",
                "set CELERY_BROKER_URL=redis://:password@redis:6379/0");
        }
    }
}

public sealed class RedisUrlScheme : Rule
{
    public override string Id => "VIQ-E061";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        var settings = context.Settings;
        foreach (var (variable, url) in new[] { (settings.RedisUrlVariable, settings.RedisUrl), ("CELERY_RESULT_BACKEND", settings.ResultBackendUrl) })
        {
            if (url is not null && !IsRedisUrl(url))
            {
                yield return Found(variable, $"{variable} is not a redis:// or rediss:// URL with a host (value not shown)",
                    "write it as redis://:password@host:6379/0, or rediss:// for TLS");
            }
        }
    }

    public static bool IsRedisUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && uri.Scheme is "redis" or "rediss"
        && uri.Host.Length > 0;
}
