using Viatique.Api.Settings;

namespace Viatique.Api.Tests.Settings;

public class EnvExampleTests
{
    static readonly string[] SpecVariables =
    [
        "DEBUG", "SECRET_KEY", "SECRET_KEY_FALLBACKS", "DATABASE_URL", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS",
        "SSL_ENABLED", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER",
        "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "TRUSTED_PROXIES",
        "MEDIA_ROOT", "STATIC_ROOT", "BACKUP_DIR", "TLS_CERT_PATH", "METRICS_TOKEN", "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "ASPNETCORE_ENVIRONMENT",
    ];

    static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, ".env.example")))
        {
            dir = dir.Parent;
        }
        return dir.FullName;
    }

    static Dictionary<string, string> Example()
    {
        return File.ReadAllLines(Path.Combine(RepoRoot(), ".env.example"))
            .Where(l => l.Contains('=') && !l.TrimStart().StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim());
    }

    [Fact]
    public void DocumentsEveryVariableOfTheSpec() =>
        Assert.All(SpecVariables, v => Assert.True(Example().ContainsKey(v), $"{v} missing from .env.example"));

    [Fact]
    public void DocumentsEveryVariableTheHostReads()
    {
        var text = File.ReadAllText(Path.Combine(RepoRoot(), ".env.example"));
        var undocumented = SettingsReader.Variables().Where(v => !v.EndsWith("_FILE", StringComparison.Ordinal) && v != "DOTNET_ENVIRONMENT")
            .Where(v => !text.Contains(v, StringComparison.Ordinal));
        Assert.Empty(undocumented);
    }

    [Fact]
    public void ItsValuesDoNotPassTheRules()
    {
        var ids = Env.Ids(Example());
        Assert.Contains("VIQ-E004", ids);
        Assert.Contains("VIQ-E030", ids);
    }

    [Fact]
    public void ItsSecretKeyIsTheKnownPlaceholder() =>
        Assert.Equal(SettingsReader.ExampleSecretKey, Example()["SECRET_KEY"]);
}
