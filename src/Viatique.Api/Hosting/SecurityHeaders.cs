namespace Viatique.Api.Hosting;

/// <summary>
/// The headers of SPEC §7 on every response, API or not. X-XSS-Protection is 0: the browsers'
/// filter is gone and could itself leak; the CSP does that job. No Server header (Kestrel's is off too).
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";

    /// <summary>The endpoint policy of Development's API reference page (a page with a script, unlike the API).</summary>
    public const string ReferencePagePolicy = "api-reference-page";

    /// <summary>Its CSP: only what the host itself serves, plus the inline bootstrap and styles the page needs.</summary>
    public const string ReferencePageContentSecurityPolicy =
        "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        + "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'";

    public static HeaderPolicyCollection Policies() => Common().AddCustomHeader("Content-Security-Policy", ContentSecurityPolicy);

    public static HeaderPolicyCollection ReferencePage() => Common().AddCustomHeader("Content-Security-Policy", ReferencePageContentSecurityPolicy);

    static HeaderPolicyCollection Common() => new HeaderPolicyCollection()
        .AddContentTypeOptionsNoSniff()
        .AddCustomHeader("X-Frame-Options", "DENY")
        .AddReferrerPolicySameOrigin()
        .AddCrossOriginOpenerPolicy(coop => coop.SameOrigin())
        .AddCustomHeader("X-XSS-Protection", "0")
        .RemoveServerHeader();
}
