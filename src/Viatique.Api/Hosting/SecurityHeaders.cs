namespace Viatique.Api.Hosting;

/// <summary>
/// The headers of SPEC §7 on every response, API or not. X-XSS-Protection is 0: the browsers'
/// filter is gone and could itself leak; the CSP does that job. No Server header (Kestrel's is off too).
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";

    public static HeaderPolicyCollection Policies() => new HeaderPolicyCollection()
        .AddContentTypeOptionsNoSniff()
        .AddCustomHeader("X-Frame-Options", "DENY")
        .AddReferrerPolicySameOrigin()
        .AddCrossOriginOpenerPolicy(coop => coop.SameOrigin())
        .AddCustomHeader("Content-Security-Policy", ContentSecurityPolicy)
        .AddCustomHeader("X-XSS-Protection", "0")
        .RemoveServerHeader();
}
