using System.Net;

namespace Viatique.Api.Settings.Rulebook.Rules;

/// <summary>E040–E042: SSL_ENABLED, SESSION_COOKIE_SECURE, CSRF_COOKIE_SECURE must stay true in Production.</summary>
public sealed class SecureTransportInProduction(string id, string variable, Func<ViatiqueSettings, bool> enabled, string why) : Rule
{
    public override string Id => id;

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (context.IsProduction && !enabled(context.Settings))
        {
            yield return Found(variable, $"{variable} is false in Production; {why}", $"remove {variable} (it defaults to true) or set {variable}=true");
        }
    }
}

public sealed class HstsEnabled : Rule
{
    public override string Id => "VIQ-E043";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (context.IsProduction && context.Settings.HstsSeconds == 0)
        {
            yield return Found("SECURE_HSTS_SECONDS", "SECURE_HSTS_SECONDS is 0 in Production: browsers are never told to insist on HTTPS",
                "remove SECURE_HSTS_SECONDS (default 31536000, one year)");
        }
    }
}

public sealed class HstsLongEnough : Rule
{
    public const long OneYear = 31_536_000;

    public override string Id => "VIQ-W043";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        var seconds = context.Settings.HstsSeconds;
        if (context.IsProduction && seconds is > 0 and < OneYear)
        {
            yield return Found("SECURE_HSTS_SECONDS", $"SECURE_HSTS_SECONDS is {seconds}, below one year ({OneYear}); HSTS preload lists require a year",
                "remove SECURE_HSTS_SECONDS (default 31536000) once HTTPS works everywhere");
        }
    }
}

public sealed class TrustedProxiesWellFormed : Rule
{
    public override string Id => "VIQ-E044";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        var proxies = context.Settings.TrustedProxies;
        for (var i = 0; i < proxies.Count; i++)
        {
            if (!IPAddress.TryParse(proxies[i], out _) && !IPNetwork.TryParse(proxies[i], out _))
            {
                yield return Found("TRUSTED_PROXIES", $"TRUSTED_PROXIES entry {i + 1} is neither an IP address nor a CIDR network",
                    "write IPs or CIDRs separated by commas, e.g. TRUSTED_PROXIES=172.28.0.0/24,127.0.0.1");
            }
        }
    }
}

public sealed class TrustedProxiesConfigured : Rule
{
    public override string Id => "VIQ-W044";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (context.IsProduction && context.Settings.TrustedProxiesDefaulted)
        {
            yield return Found("TRUSTED_PROXIES", "TRUSTED_PROXIES is at its loopback default: X-Forwarded-* from nginx's container will be ignored (wrong client IPs, HTTPS redirects loop)",
                "set TRUSTED_PROXIES to nginx's network, e.g. TRUSTED_PROXIES=172.28.0.0/24 (the compose file's fixed subnet)");
        }
    }
}

public sealed class TrustedProxiesNoCatchAll : Rule
{
    public override string Id => "VIQ-E045";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (!context.IsProduction)
        {
            yield break;
        }
        var proxies = context.Settings.TrustedProxies;
        for (var i = 0; i < proxies.Count; i++)
        {
            if (IPNetwork.TryParse(proxies[i], out var network) && network.PrefixLength == 0)
            {
                yield return Found("TRUSTED_PROXIES", $"TRUSTED_PROXIES entry {i + 1} trusts every address: anyone could forge client IPs and dodge rate limits and lockouts",
                    "list only nginx's address or network, e.g. TRUSTED_PROXIES=172.28.0.0/24");
            }
        }
    }
}
