using Viatique.Api.Settings;
using Viatique.Api.Settings.Rulebook;

namespace Viatique.Api.Tests;

/// <summary>Environment snapshots for rule tests: a valid Production baseline plus overrides.</summary>
static class Env
{
    public const string StrongKey = "k3J9-xQ2vL8mN4pR7sT1wY6zA0bC5dE9fG2hJ4kL7mN1pQ3rS8tU";

    public static readonly IReadOnlyDictionary<string, string> Production = new Dictionary<string, string>
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["SECRET_KEY"] = StrongKey,
        ["DATABASE_URL"] = "postgresql://viatique:s3cret@db:5432/viatique",
        ["ALLOWED_HOSTS"] = "viatique.example.com,www.viatique.example.com",
        ["CSRF_TRUSTED_ORIGINS"] = "https://viatique.example.com",
        ["CELERY_BROKER_URL"] = "redis://:r3dis@redis:6379/0",
        ["TRUSTED_PROXIES"] = "172.28.0.0/24",
    };

    /// <summary>The baseline with some variables changed; a null value removes the variable.</summary>
    public static Dictionary<string, string> With(params (string Name, string? Value)[] changes) => With(Production, changes);

    public static Dictionary<string, string> With(IReadOnlyDictionary<string, string> baseline, params (string Name, string? Value)[] changes)
    {
        var env = new Dictionary<string, string>(baseline);
        foreach (var (name, value) in changes)
        {
            if (value is null)
            {
                env.Remove(name);
            }
            else
            {
                env[name] = value;
            }
        }
        return env;
    }

    public static ViatiqueSettings Read(IReadOnlyDictionary<string, string> env) => SettingsReader.Read(env);

    public static RulebookReport Report(IReadOnlyDictionary<string, string> env, DateTimeOffset? secretFirstSeen = null) =>
        ViatiqueRulebook.Evaluate(new RuleContext(Read(env), DateTimeOffset.UtcNow, secretFirstSeen));

    public static string[] Ids(IReadOnlyDictionary<string, string> env) => [.. Report(env).Findings.Select(f => f.Id)];
}
