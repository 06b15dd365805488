using Viatique.Api.Settings.Rulebook.Rules;

namespace Viatique.Api.Settings.Rulebook;

/// <summary>
/// The production rulebook (SPEC §3): every startup rule, in report order. One greppable place;
/// ids are forever.
/// </summary>
public static class Rulebook
{
    public static readonly IReadOnlyList<IRule> Rules =
    [
        new SettingsReadable("VIQ-E011"),
        new SettingsReadable("VIQ-E012"),
        new SettingsReadable("VIQ-E090"),
        new SettingsReadable("VIQ-E091"),
        new SettingsReadable("VIQ-E092"),

        new SecretKeyRequired(),
        new SecretKeyStrong("VIQ-E002"),
        new SecretKeyStrong("VIQ-E003"),
        new SecretKeyStrong("VIQ-E004"),
        new SecretKeyFallbacksStrong(),

        new DebugOnlyInDevelopment(),

        new AllowedHostsRequired(),
        new AllowedHostsNoWildcard(),
        new CsrfTrustedOriginsRequired(),
        new CsrfTrustedOriginsHttps(),
        new AllowedHostsNoPort(),
        new AllowedHostsNotTopLevel(),

        new DatabaseUrlRequired(),
        new DatabaseUrlWellFormed(),
        new DatabaseIsPostgres(),
        new NoProductionDatabaseOutsideProduction(),
        new DatabasePoolSizeInRange(),

        new SecureTransportInProduction("VIQ-E040", "SSL_ENABLED", s => s.SslEnabled,
            "plain HTTP would be served and never redirected to HTTPS"),
        new SecureTransportInProduction("VIQ-E041", "SESSION_COOKIE_SECURE", s => s.SessionCookieSecure,
            "the session cookie would also travel over plain HTTP"),
        new SecureTransportInProduction("VIQ-E042", "CSRF_COOKIE_SECURE", s => s.CsrfCookieSecure,
            "the CSRF cookie would also travel over plain HTTP"),
        new HstsEnabled(),
        new TrustedProxiesWellFormed(),
        new TrustedProxiesNoCatchAll(),

        new EmailUsesTls(),
        new EmailPortIsPort(),

        new RedisUrlRequired(),
        new RedisUrlScheme(),

        new MetricsTokenLongEnough(),
        new PasswordResetTimeoutInRange(),

        new EphemeralSecretKey(),
        new JsonLogsOutsideDevelopment(),
        new SecretKeyRotation(),
        new HstsLongEnough(),
        new TrustedProxiesConfigured(),
    ];

    public static RulebookReport Evaluate(RuleContext context) =>
        new(context.Environment, Rules.SelectMany(r => r.Evaluate(context)).ToList());

    /// <summary>Reads nothing, runs every startup rule, throws when any is an error.</summary>
    public static RulebookReport Enforce(RuleContext context)
    {
        var report = Evaluate(context);
        return report.HasErrors ? throw new RulebookViolation(report) : report;
    }
}
