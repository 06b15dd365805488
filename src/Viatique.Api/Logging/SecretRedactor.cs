using System.Text.Encodings.Web;
using System.Text.RegularExpressions;

namespace Viatique.Api.Logging;

/// <summary>
/// The last step before a log line is written: replaces every known secret value (and its
/// JSON-escaped form) and every password inside a URL with <c>***</c>.
/// </summary>
public sealed partial class SecretRedactor
{
    public const string Mask = "***";

    readonly string[] _secrets;

    public SecretRedactor(IEnumerable<string> secrets)
    {
        // Longest first, so a secret that contains another is masked whole.
        _secrets = [.. secrets
            .Where(s => s.Length >= 4)
            .SelectMany(s => new[] { s, JavaScriptEncoder.Default.Encode(s), JavaScriptEncoder.UnsafeRelaxedJsonEscaping.Encode(s) })
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(s => s.Length)];
    }

    public string Redact(string text)
    {
        foreach (var secret in _secrets)
        {
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                text = text.Replace(secret, Mask, StringComparison.Ordinal);
            }
        }
        return text.Contains("://", StringComparison.Ordinal) ? UrlPassword().Replace(text, "$1" + Mask + "@") : text;
    }

    // scheme://user:password@host — the password runs to the last '@' before the path.
    [GeneratedRegex(@"([A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@""'<>]*:)[^\s/""'<>]*@")]
    private static partial Regex UrlPassword();
}
