using System.Text.RegularExpressions;

namespace Viatique.Kubernetes.Tests.Infrastructure;

/// <summary>
/// What nginx configurations say about /media/, read from their files: the single host's
/// (nginx/templates/viatique.conf.template with nginx/snippets/security-headers.conf, values as
/// nginx/render.sh fills them for HTTPS) and the Kubernetes media sidecar's (media-nginx.conf).
/// </summary>
public static partial class NginxConfiguration
{
    static string NginxFile(params string[] parts) => File.ReadAllText(Path.Combine([Manifests.RepoRoot, "nginx", .. parts]));

    public static string Sidecar => File.ReadAllText(Path.Combine(Manifests.Base, "media-nginx.conf"));

    /// <summary>The headers the single host adds to every /media/ response over HTTPS, with their values.</summary>
    public static IReadOnlyDictionary<string, string> SingleHostMediaHeaders()
    {
        var template = NginxFile("templates", "viatique.conf.template");
        var csp = MediaCsp().Match(template);
        var hsts = HstsDefault().Match(NginxFile("render.sh"));
        if (!csp.Success || !hsts.Success)
        {
            throw new InvalidDataException("nginx/: no /media/ entry in the $viatique_csp map, or no HSTS default in render.sh");
        }
        var variables = new Dictionary<string, string> { ["$viatique_csp"] = csp.Groups[1].Value, ["$viatique_hsts"] = hsts.Groups[1].Value };
        return AddHeaders(NginxFile("snippets", "security-headers.conf"))
            .ToDictionary(h => h.Key, h => variables.GetValueOrDefault(h.Value, h.Value), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Every add_header NAME "VALUE" always; of a configuration, in order.</summary>
    public static IReadOnlyDictionary<string, string> AddHeaders(string configuration) =>
        AddHeader().Matches(WithoutComments(configuration))
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value, StringComparer.OrdinalIgnoreCase);

    /// <summary>The /media/ location's types (extension → content type) and its default_type.</summary>
    public static (IReadOnlyDictionary<string, string> Types, string Default) MediaTypes(string configuration)
    {
        var location = MediaLocation().Match(WithoutComments(configuration));
        if (!location.Success)
        {
            throw new InvalidDataException("no `location /media/ { ... types { ... } default_type ...; }` in the configuration");
        }
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in location.Groups[1].Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            foreach (var extension in words.Skip(1))
            {
                types[extension] = words[0];
            }
        }
        return (types, location.Groups[2].Value);
    }

    static string WithoutComments(string configuration) => Comment().Replace(configuration, "");

    [GeneratedRegex("""~\^/media/\s+"([^"]+)";""")]
    private static partial Regex MediaCsp();

    [GeneratedRegex("""HSTS:=([^}]+)\}""")]
    private static partial Regex HstsDefault();

    [GeneratedRegex("""add_header\s+([A-Za-z-]+)\s+(?:"([^"]*)"|(\S+))\s+always;""")]
    private static partial Regex AddHeader();

    [GeneratedRegex("""(?s)location\s+/media/\s*\{.*?types\s*\{([^}]*)\}\s*default_type\s+(\S+);""")]
    private static partial Regex MediaLocation();

    [GeneratedRegex("#[^\n]*")]
    private static partial Regex Comment();
}
