using Viatique.Api.Settings.Rulebook;

namespace Viatique.Api.Tests.Rulebook;

/// <summary>
/// Django's three cases for every rule: violated → exactly its id; satisfied → none; not
/// applicable (Development, or another environment) → none.
/// </summary>
public class RulesTests
{
    const string Dev = "Development";
    const string Staging = "Staging";
    const string Prod = "Production";

    public static TheoryData<string, string, string, string?> Violations => new()
    {
        // id, environment, variable, value (null removes it)
        { "VIQ-E001", Prod, "SECRET_KEY", null },
        { "VIQ-E001", Staging, "SECRET_KEY", null },
        { "VIQ-E002", Prod, "SECRET_KEY", "abcdefghij0123456789" },
        { "VIQ-E003", Prod, "SECRET_KEY", new string('a', 30) + new string('b', 30) },
        { "VIQ-E004", Prod, "SECRET_KEY", "django-insecure-" + Env.StrongKey },
        { "VIQ-E004", Prod, "SECRET_KEY", "<secret-généré-aléatoirement-min-50-chars>-padding-padding-padding" },
        { "VIQ-E004", Prod, "SECRET_KEY", "changeme-" + Env.StrongKey },
        { "VIQ-E004", Prod, "SECRET_KEY", Viatique.Api.Settings.SettingsReader.ExampleSecretKey },
        { "VIQ-E005", Prod, "SECRET_KEY_FALLBACKS", Env.StrongKey + "X,short" },
        { "VIQ-E010", Prod, "DEBUG", "true" },
        { "VIQ-E010", Staging, "DEBUG", "1" },
        { "VIQ-E011", Prod, "ASPNETCORE_ENVIRONMENT", "qa" },
        { "VIQ-E012", Prod, "LOG_FORMAT", "xml" },
        { "VIQ-E012", Dev, "LOG_FORMAT", "pretty" },
        { "VIQ-E020", Prod, "ALLOWED_HOSTS", null },
        { "VIQ-E021", Prod, "ALLOWED_HOSTS", "*" },
        { "VIQ-E021", Staging, "ALLOWED_HOSTS", "viatique.example.com,*.example.com" },
        { "VIQ-E022", Prod, "CSRF_TRUSTED_ORIGINS", null },
        { "VIQ-E023", Prod, "CSRF_TRUSTED_ORIGINS", "http://viatique.example.com" },
        { "VIQ-E023", Staging, "CSRF_TRUSTED_ORIGINS", "https://viatique.example.com/app" },
        { "VIQ-E024", Prod, "ALLOWED_HOSTS", "api.example.com:443" },
        { "VIQ-E024", Staging, "ALLOWED_HOSTS", "[::1]:8000" },
        { "VIQ-E025", Prod, "ALLOWED_HOSTS", ".com" },
        { "VIQ-E025", Staging, "ALLOWED_HOSTS", "viatique.example.com,.co." },
        { "VIQ-E030", Prod, "DATABASE_URL", null },
        { "VIQ-E031", Prod, "DATABASE_URL", "postgres://u:pw@db:port/viatique" },
        { "VIQ-E032", Prod, "DATABASE_URL", "sqlite:///viatique.db" },
        { "VIQ-E032", Staging, "DATABASE_URL", "mysql://u:p@db/viatique" },
        { "VIQ-E033", Staging, "DATABASE_URL", "postgres://u:p@db/viatique_prod" },
        { "VIQ-E033", Dev, "DATABASE_URL", "postgres://u:p@db/viatique_production" },
        { "VIQ-E034", Prod, "DATABASE_POOL_SIZE", "0" },
        { "VIQ-E034", Dev, "DATABASE_POOL_SIZE", "5000" },
        { "VIQ-E040", Prod, "SSL_ENABLED", "false" },
        { "VIQ-E041", Prod, "SESSION_COOKIE_SECURE", "off" },
        { "VIQ-E042", Prod, "CSRF_COOKIE_SECURE", "0" },
        { "VIQ-E043", Prod, "SECURE_HSTS_SECONDS", "0" },
        { "VIQ-E044", Prod, "TRUSTED_PROXIES", "172.28.0.0/24,nginx" },
        { "VIQ-E045", Prod, "TRUSTED_PROXIES", "0.0.0.0/0" },
        { "VIQ-E045", Prod, "TRUSTED_PROXIES", "172.28.0.0/24,::/0" },
        { "VIQ-E050", Prod, "EMAIL_USE_TLS", "false" },
        { "VIQ-E051", Prod, "EMAIL_PORT", "smtp" },
        { "VIQ-E051", Dev, "EMAIL_PORT", "70000" },
        { "VIQ-E060", Prod, "CELERY_BROKER_URL", null },
        { "VIQ-E060", Staging, "CELERY_BROKER_URL", null },
        { "VIQ-E061", Prod, "CELERY_BROKER_URL", "amqp://guest:guest@rabbit:5672//" },
        { "VIQ-E061", Prod, "CELERY_RESULT_BACKEND", "db+postgresql://x" },
        { "VIQ-E090", Prod, "SECURE_HSTS_PRELOAD", "maybe" },
        { "VIQ-E090", Prod, "SECURE_HSTS_SECONDS", "one year" },
        { "VIQ-E090", Prod, "SECURE_HSTS_SECONDS", "99999999999999999999" },
        { "VIQ-E090", Prod, "SECURE_HSTS_SECONDS", "9223372036854775807" },
        { "VIQ-E090", Prod, "PASSWORD_RESET_TIMEOUT", "9223372036854775807" },
        { "VIQ-E090", Prod, "DATABASE_POOL_SIZE", "twenty" },
        { "VIQ-E070", Prod, "METRICS_TOKEN", "x" },
        { "VIQ-E070", Dev, "METRICS_TOKEN", new string('t', 31) },
        { "VIQ-E080", Prod, "PASSWORD_RESET_TIMEOUT", "0" },
        { "VIQ-E080", Staging, "PASSWORD_RESET_TIMEOUT", "2592001" },
        { "VIQ-W001", Dev, "SECRET_KEY", null },
        { "VIQ-W012", Staging, "LOG_FORMAT", "text" },
        { "VIQ-W043", Prod, "SECURE_HSTS_SECONDS", "3600" },
        { "VIQ-W044", Prod, "TRUSTED_PROXIES", null },
    };

    static Dictionary<string, string> Violating(string environment, string variable, string? value)
    {
        var env = Env.With(("ASPNETCORE_ENVIRONMENT", environment), (variable, value));
        if (variable == "EMAIL_USE_TLS")
        {
            env["EMAIL_HOST"] = "smtp.example.com";
        }
        return env;
    }

    [Theory]
    [MemberData(nameof(Violations))]
    public void ViolationReportsExactlyItsIdNamingTheVariable(string id, string environment, string variable, string? value)
    {
        var findings = Env.Report(Violating(environment, variable, value)).Findings;

        var finding = Assert.Single(findings, f => f.Id == id);
        Assert.Equal(variable == "ASPNETCORE_ENVIRONMENT" ? "ASPNETCORE_ENVIRONMENT" : variable, finding.Variable);
        Assert.Equal(id.StartsWith("VIQ-E", StringComparison.Ordinal) ? Severity.Error : Severity.Warning, finding.Severity);
        Assert.False(string.IsNullOrWhiteSpace(finding.Hint));
        // Only this rule fires; the baseline is otherwise clean.
        Assert.All(findings, f => Assert.True(f.Id == id || f.Id == "VIQ-W001", $"unexpected {f.Id}"));
    }

    [Theory]
    [InlineData(Prod)]
    [InlineData(Staging)]
    public void ValidBaselineHasNoFindings(string environment) =>
        Assert.Empty(Env.Ids(Env.With(("ASPNETCORE_ENVIRONMENT", environment))));

    [Fact]
    public void DevelopmentWithNoConfigurationOnlyWarnsAboutTheEphemeralKey() =>
        Assert.Equal(["VIQ-W001"], Env.Ids(new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = Dev }));

    public static TheoryData<string, string, string, string?> NotApplicable => new()
    {
        { "VIQ-E001", Dev, "SECRET_KEY", null },
        { "VIQ-E002", Dev, "SECRET_KEY", "short" },
        { "VIQ-E005", Dev, "SECRET_KEY_FALLBACKS", "short" },
        { "VIQ-E010", Dev, "DEBUG", "true" },
        { "VIQ-E020", Dev, "ALLOWED_HOSTS", null },
        { "VIQ-E022", Staging, "CSRF_TRUSTED_ORIGINS", null },
        { "VIQ-E030", Dev, "DATABASE_URL", null },
        { "VIQ-E032", Dev, "DATABASE_URL", "sqlite:///viatique.db" },
        { "VIQ-E033", Prod, "DATABASE_URL", "postgres://u:p@db/viatique_prod" },
        { "VIQ-E040", Staging, "SSL_ENABLED", "false" },
        { "VIQ-E041", Dev, "SESSION_COOKIE_SECURE", "false" },
        { "VIQ-E043", Staging, "SECURE_HSTS_SECONDS", "0" },
        { "VIQ-E050", Staging, "EMAIL_USE_TLS", "false" },
        { "VIQ-E060", Dev, "CELERY_BROKER_URL", null },
        { "VIQ-W012", Dev, "LOG_FORMAT", "text" },
        { "VIQ-W012", Prod, "LOG_FORMAT", "JSON" },
        { "VIQ-W043", Prod, "SECURE_HSTS_SECONDS", "31536000" },
        { "VIQ-W044", Staging, "TRUSTED_PROXIES", null },
        { "VIQ-E045", Staging, "TRUSTED_PROXIES", "0.0.0.0/0" },
        { "VIQ-E045", Dev, "TRUSTED_PROXIES", "::/0" },
    };

    public static TheoryData<string, string, string, string> Satisfied => new()
    {
        { "VIQ-E024", Prod, "ALLOWED_HOSTS", "api.example.com,::1,[::1],127.0.0.1" },
        { "VIQ-E025", Prod, "ALLOWED_HOSTS", ".example.com,.example.co.uk" },
        { "VIQ-E034", Prod, "DATABASE_POOL_SIZE", "5" },
        { "VIQ-E045", Prod, "TRUSTED_PROXIES", "172.28.0.0/24,10.0.0.1" },
        { "VIQ-E070", Prod, "METRICS_TOKEN", new string('t', 32) },
        { "VIQ-E080", Prod, "PASSWORD_RESET_TIMEOUT", "60" },
        { "VIQ-E080", Prod, "PASSWORD_RESET_TIMEOUT", "2592000" },
        { "VIQ-E090", Prod, "SECURE_HSTS_SECONDS", "2147483647" },
    };

    [Theory]
    [MemberData(nameof(Satisfied))]
    public void SatisfiedRuleReportsNothing(string id, string environment, string variable, string value) =>
        Assert.DoesNotContain(id, Env.Ids(Env.With(("ASPNETCORE_ENVIRONMENT", environment), (variable, value))));

    [Theory]
    [MemberData(nameof(NotApplicable))]
    public void RuleDoesNotApplyOutsideItsEnvironment(string id, string environment, string variable, string? value) =>
        Assert.DoesNotContain(id, Env.Ids(Violating(environment, variable, value)));

    [Fact]
    public void SecretKeyMayComeFromAFileWithItsTrailingNewlineIgnored()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, Env.StrongKey + "\n");
            var settings = Env.Read(Env.With(("SECRET_KEY", null), ("SECRET_KEY_FILE", path)));

            Assert.Equal(Env.StrongKey, settings.SecretKey);
            Assert.Empty(Env.Ids(Env.With(("SECRET_KEY", null), ("SECRET_KEY_FILE", path))));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SecretGivenBothDirectlyAndAsFileIsAnError()
    {
        var finding = Assert.Single(Env.Report(Env.With(("DATABASE_URL_FILE", "/run/secrets/db"))).Findings);
        Assert.Equal(("VIQ-E091", "DATABASE_URL"), (finding.Id, finding.Variable));
    }

    [Fact]
    public void UnreadableSecretFileIsAnErrorNamingTheFileVariable()
    {
        var findings = Env.Report(Env.With(("METRICS_TOKEN_FILE", "/nonexistent/metrics-token"))).Findings;
        var finding = Assert.Single(findings);
        Assert.Equal(("VIQ-E092", "METRICS_TOKEN_FILE"), (finding.Id, finding.Variable));
    }

    [Fact]
    public void RedisUrlAliasIsAccepted()
    {
        var env = Env.With(("CELERY_BROKER_URL", null), ("REDIS_URL", "redis://redis:6379/0"));
        Assert.Empty(Env.Ids(env));
        Assert.Equal("redis://redis:6379/0", Env.Read(env).RedisUrl);
    }

    [Fact]
    public void SecretKeyOlderThanNinetyDaysWarnsWithItsAge()
    {
        var env = Env.With();
        var old = Env.Report(env, DateTimeOffset.UtcNow.AddDays(-91));
        var fresh = Env.Report(env, DateTimeOffset.UtcNow.AddDays(-10));

        Assert.Contains("91 days", Assert.Single(old.Findings, f => f.Id == "VIQ-W002").Message);
        Assert.DoesNotContain(fresh.Findings, f => f.Id == "VIQ-W002");
    }

    [Fact]
    public void EveryRuleIdIsUniqueAndWellFormed()
    {
        var ids = ViatiqueRulebook.Rules.Select(r => r.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches("^VIQ-[EW][0-9]{3}$", id));
    }
}
