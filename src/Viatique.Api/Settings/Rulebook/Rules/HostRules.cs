namespace Viatique.Api.Settings.Rulebook.Rules;

public sealed class AllowedHostsRequired : Rule
{
    public override string Id => "VIQ-E020";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (!context.IsDevelopment && context.Settings.AllowedHosts.Count == 0)
        {
            yield return Found("ALLOWED_HOSTS", "ALLOWED_HOSTS is empty; the host names this site answers to must be explicit",
                "set ALLOWED_HOSTS=viatique.example.com,www.viatique.example.com (a leading dot, .example.com, also matches subdomains)");
        }
    }
}

public sealed class AllowedHostsNoWildcard : Rule
{
    public override string Id => "VIQ-E021";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (context.Settings.AllowedHosts.Any(h => h.Contains('*')))
        {
            yield return Found("ALLOWED_HOSTS", "ALLOWED_HOSTS contains '*', which accepts any Host header (cache poisoning, password-reset link forgery)",
                "list the host names explicitly; use .example.com to allow a domain and its subdomains");
        }
    }
}

public sealed class CsrfTrustedOriginsRequired : Rule
{
    public override string Id => "VIQ-E022";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (context.IsProduction && context.Settings.CsrfTrustedOrigins.Count == 0)
        {
            yield return Found("CSRF_TRUSTED_ORIGINS", "CSRF_TRUSTED_ORIGINS is empty in Production; the front end's origin must be trusted explicitly",
                "set CSRF_TRUSTED_ORIGINS=https://viatique.example.com");
        }
    }
}

public sealed class CsrfTrustedOriginsHttps : Rule
{
    public override string Id => "VIQ-E023";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (context.IsDevelopment)
        {
            yield break;
        }
        var origins = context.Settings.CsrfTrustedOrigins;
        for (var i = 0; i < origins.Count; i++)
        {
            if (!IsHttpsOrigin(origins[i]))
            {
                yield return Found("CSRF_TRUSTED_ORIGINS", $"CSRF_TRUSTED_ORIGINS entry {i + 1} is not an https:// origin (scheme, host and optional port, nothing else)",
                    "write each origin as https://host or https://host:port, without path, e.g. https://viatique.example.com");
            }
        }
    }

    public static bool IsHttpsOrigin(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && uri.Scheme == Uri.UriSchemeHttps
        && uri.UserInfo.Length == 0
        && uri.Query.Length == 0
        && uri.Fragment.Length == 0
        && uri.AbsolutePath == "/"
        && !origin.EndsWith('/')
        && !uri.Host.Contains('*');
}

public sealed class AllowedHostsNoPort : Rule
{
    public override string Id => "VIQ-E024";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        var hosts = context.Settings.AllowedHosts;
        for (var i = 0; i < hosts.Count; i++)
        {
            if (HasPort(hosts[i]))
            {
                yield return Found("ALLOWED_HOSTS", $"ALLOWED_HOSTS entry {i + 1} carries a port; entries are compared with the host name alone, so it never matches",
                    "write the host name without port, e.g. ALLOWED_HOSTS=api.example.com");
            }
        }
    }

    /// <summary>"host:443" or "[::1]:8000"; a bare IPv6 address ("::1", "[::1]") is not a port.</summary>
    public static bool HasPort(string host) =>
        host.StartsWith('[') ? host.Contains("]:", StringComparison.Ordinal) : host.Count(c => c == ':') == 1;
}

public sealed class AllowedHostsNotTopLevel : Rule
{
    public override string Id => "VIQ-E025";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        var hosts = context.Settings.AllowedHosts;
        for (var i = 0; i < hosts.Count; i++)
        {
            var host = hosts[i];
            if (host.StartsWith('.') && !host[1..].Trim('.').Contains('.'))
            {
                yield return Found("ALLOWED_HOSTS", $"ALLOWED_HOSTS entry {i + 1} is a bare top-level pattern that accepts every site under it",
                    "name your own domain, e.g. .example.com (the domain and its subdomains) or api.example.com");
            }
        }
    }
}
