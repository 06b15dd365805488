namespace Viatique.Api.Logging;

/// <summary>Logger categories of our own, in one place; security events share the prefix.</summary>
public static class LoggerNames
{
    public const string Access = "viatique.access";
    public const string Startup = "viatique.startup";
    public const string Security = "viatique.security";
    public const string DisallowedHost = "viatique.security.DisallowedHost";
    public const string Csrf = "viatique.security.csrf";
    public const string Login = "viatique.security.login";
    public const string RateLimit = "viatique.security.ratelimit";
    public const string Proxy = "viatique.security.proxy";
    public const string Session = "viatique.security.session";
    public const string Failures = "viatique.failures";
    /// <summary>The log pipeline's own reports (lines dropped under a flood).</summary>
    public const string Logging = "viatique.logging";
}
