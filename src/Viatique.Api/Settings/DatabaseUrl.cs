using System.Globalization;
using System.Text;

namespace Viatique.Api.Settings;

public enum DatabaseEngine { PostgreSql, Sqlite, Other }

/// <summary>
/// A parsed <c>DATABASE_URL</c>, read the way <c>dj_database_url</c> reads it:
/// <c>scheme://user:password@host:port/name?option=value</c>, with percent-escapes
/// decoded and IPv6 literals in brackets.
/// </summary>
public sealed record DatabaseUrl(
    string Scheme,
    DatabaseEngine Engine,
    string? User,
    string? Password,
    string? Host,
    int? Port,
    string Name,
    IReadOnlyDictionary<string, string> Options)
{
    public const int DefaultPostgresPort = 5432;

    static readonly Dictionary<string, DatabaseEngine> Engines = new(StringComparer.OrdinalIgnoreCase)
    {
        ["postgres"] = DatabaseEngine.PostgreSql,
        ["postgresql"] = DatabaseEngine.PostgreSql,
        ["pgsql"] = DatabaseEngine.PostgreSql,
        ["postgis"] = DatabaseEngine.PostgreSql,
        ["sqlite"] = DatabaseEngine.Sqlite,
    };

    /// <summary>The URL with its password replaced by <c>***</c>: safe for logs and reports.</summary>
    public string Redacted
    {
        get
        {
            var text = new StringBuilder(Scheme).Append("://");
            if (User is not null)
            {
                text.Append(Uri.EscapeDataString(User));
                if (Password is not null)
                {
                    text.Append(":***");
                }
                text.Append('@');
            }
            if (Host is not null)
            {
                text.Append(Host.Contains(':') ? $"[{Host}]" : Host);
            }
            if (Port is not null)
            {
                text.Append(':').Append(Port.Value.ToString(CultureInfo.InvariantCulture));
            }
            text.Append('/').Append(Name);
            if (Options.Count > 0)
            {
                text.Append('?').AppendJoin('&', Options.Select(o => $"{o.Key}={o.Value}"));
            }
            return text.ToString();
        }
    }

    public override string ToString() => Redacted;

    /// <summary>
    /// Parses <paramref name="url"/>. On failure <paramref name="error"/> says what is wrong
    /// without ever quoting the URL, which may hold a password.
    /// </summary>
    public static bool TryParse(string url, out DatabaseUrl? result, out string? error)
    {
        result = null;
        error = null;

        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            error = "is not a URL: expected scheme://user:password@host:port/name";
            return false;
        }
        var scheme = url[..schemeEnd];
        if (!scheme.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
        {
            error = "has a malformed scheme";
            return false;
        }
        var engine = Engines.GetValueOrDefault(scheme.Split('+')[0], DatabaseEngine.Other);
        var rest = url[(schemeEnd + 3)..];

        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var queryStart = rest.IndexOf('?');
        if (queryStart >= 0)
        {
            foreach (var pair in rest[(queryStart + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=');
                var key = Unescape(eq < 0 ? pair : pair[..eq]);
                options[key] = eq < 0 ? "" : Unescape(pair[(eq + 1)..]);
            }
            rest = rest[..queryStart];
        }

        if (engine == DatabaseEngine.Sqlite)
        {
            // sqlite:///relative.db, sqlite:////absolute/path.db, sqlite://:memory:
            var path = rest == ":memory:" ? ":memory:" : rest.StartsWith('/') ? Unescape(rest[1..]) : Unescape(rest);
            if (path.Length == 0)
            {
                error = "names no SQLite file: expected sqlite:///path/to/file.db";
                return false;
            }
            result = new DatabaseUrl(scheme, engine, null, null, null, null, path, options);
            return true;
        }

        var pathStart = rest.IndexOf('/');
        var authority = pathStart < 0 ? rest : rest[..pathStart];
        var name = pathStart < 0 ? "" : Unescape(rest[(pathStart + 1)..]);

        string? user = null, password = null;
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            authority = authority[(at + 1)..];
            var colon = userInfo.IndexOf(':');
            user = Unescape(colon < 0 ? userInfo : userInfo[..colon]);
            password = colon < 0 ? null : Unescape(userInfo[(colon + 1)..]);
        }

        string host;
        string? portText = null;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']');
            if (close < 0)
            {
                error = "has an IPv6 host without its closing ']'";
                return false;
            }
            host = authority[1..close];
            var after = authority[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':')
                {
                    error = "has text after the IPv6 host that is not a port";
                    return false;
                }
                portText = after[1..];
            }
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            host = Unescape(colon < 0 ? authority : authority[..colon]);
            portText = colon < 0 ? null : authority[(colon + 1)..];
        }

        int? port = null;
        if (!string.IsNullOrEmpty(portText))
        {
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            {
                error = "has a port that is not a number between 1 and 65535";
                return false;
            }
            port = p;
        }
        if (host.Length == 0)
        {
            error = "names no host";
            return false;
        }
        if (name.Length == 0)
        {
            error = "names no database: expected .../name after the host";
            return false;
        }

        result = new DatabaseUrl(scheme, engine, user, password, host, port, name, options);
        return true;
    }

    static string Unescape(string text) => Uri.UnescapeDataString(text);
}
