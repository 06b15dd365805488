using System.Text;

namespace Viatique.Api.Logging;

/// <summary>
/// Client-supplied values (usernames of failed logins, paths, error reasons) as they may appear in
/// a log line: control and bidi-override characters removed, at most <see cref="MaxLength"/>
/// characters, so a client can neither forge lines nor bloat them.
/// </summary>
public static class LogText
{
    public const int MaxLength = 200;

    /// <summary>Usernames are shorter in logs than the 150 characters a login accepts.</summary>
    public const int MaxUsernameLength = 64;

    public static string Clean(string? value, int maxLength = MaxLength)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }
        var text = new StringBuilder(Math.Min(value.Length, maxLength + 1));
        foreach (var c in value)
        {
            if (text.Length > maxLength)
            {
                break;
            }
            if (!IsInvisible(c))
            {
                text.Append(c);
            }
        }
        return text.Length > maxLength ? text.ToString(0, maxLength) + "…" : text.ToString();
    }

    /// <summary>C0/C1 controls, and the format characters that reorder or hide text (bidi overrides, zero-width).</summary>
    public static bool IsInvisible(char c) =>
        char.IsControl(c)
        || c is '\u200B' or '\u200C' or '\u200D' or '\u200E' or '\u200F' or '\u2028' or '\u2029' or '\uFEFF'
        || c is >= '\u202A' and <= '\u202E'
        || c is >= '\u2066' and <= '\u2069'
        || c is '\u061C';
}
