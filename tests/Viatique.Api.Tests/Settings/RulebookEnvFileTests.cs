namespace Viatique.Api.Tests.Settings;

/// <summary>The rulebook's own .env.production (§1.2), its placeholders filled in, works unchanged.</summary>
public class RulebookEnvFileTests
{
    const string RulebookEnvProduction = """
        DEBUG=False
        SECRET_KEY=<secret-généré-aléatoirement-min-50-chars>
        DATABASE_URL=postgresql://user:password@db:5432/viatique_prod
        ALLOWED_HOSTS=viatique.example.com,www.viatique.example.com
        CSRF_TRUSTED_ORIGINS=https://viatique.example.com
        EMAIL_HOST=smtp.example.com
        EMAIL_PORT=587
        EMAIL_HOST_USER=noreply@viatique.example.com
        EMAIL_HOST_PASSWORD=<email-password>
        EMAIL_USE_TLS=True
        CELERY_BROKER_URL=redis://redis:6379/0
        CELERY_RESULT_BACKEND=redis://redis:6379/0
        SSL_ENABLED=True
        SESSION_COOKIE_SECURE=True
        CSRF_COOKIE_SECURE=True
        """;

    static Dictionary<string, string> Parse(string text, params (string Placeholder, string Value)[] fill)
    {
        foreach (var (placeholder, value) in fill)
        {
            text = text.Replace(placeholder, value, StringComparison.Ordinal);
        }
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]);
    }

    [Fact]
    public void FilledInItPassesEveryRuleButTheProxyWarning()
    {
        var env = Parse(RulebookEnvProduction,
            ("<secret-généré-aléatoirement-min-50-chars>", Env.StrongKey),
            ("<email-password>", "an-smtp-password"));

        var settings = Env.Read(env);
        Assert.False(settings.Debug);
        Assert.True(settings.EmailUseTls);
        Assert.Equal("viatique_prod", settings.Database!.Name);
        Assert.Equal(["VIQ-W044"], Env.Ids(env));
    }

    [Fact]
    public void AsPrintedItsPlaceholderKeyIsRefused() =>
        Assert.Contains("VIQ-E004", Env.Ids(Parse(RulebookEnvProduction)));
}
