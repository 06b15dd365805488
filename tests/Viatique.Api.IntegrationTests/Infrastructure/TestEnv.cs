namespace Viatique.Api.IntegrationTests.Infrastructure;

/// <summary>Environments for the host under test.</summary>
static class TestEnv
{
    public const string StrongKey = "k3J9-xQ2vL8mN4pR7sT1wY6zA0bC5dE9fG2hJ4kL7mN1pQ3rS8tU";

    public static Dictionary<string, string> Development(params (string Name, string Value)[] more) =>
        With(new() { ["ASPNETCORE_ENVIRONMENT"] = "Development" }, more);

    /// <summary>A Production environment that passes every startup rule.</summary>
    public static Dictionary<string, string> Production(params (string Name, string Value)[] more) => With(new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["SECRET_KEY"] = StrongKey,
        ["DATABASE_URL"] = "postgresql://viatique:s3cret@127.0.0.1:1/viatique",
        ["ALLOWED_HOSTS"] = "viatique.example.com,localhost,127.0.0.1",
        ["CSRF_TRUSTED_ORIGINS"] = "https://viatique.example.com",
        ["CELERY_BROKER_URL"] = "redis://:r3dis@127.0.0.1:1/0",
        ["TRUSTED_PROXIES"] = "127.0.0.1",
    }, more);

    /// <summary>Production against the real throwaway servers.</summary>
    public static Dictionary<string, string> Production(PostgresServer postgres, string database, RedisServer redis, params (string Name, string Value)[] more) =>
        Production([("DATABASE_URL", postgres.Url(database)), ("CELERY_BROKER_URL", redis.Url()), .. more]);

    static Dictionary<string, string> With(Dictionary<string, string> env, (string Name, string Value)[] more)
    {
        foreach (var (name, value) in more)
        {
            env[name] = value;
        }
        return env;
    }
}
