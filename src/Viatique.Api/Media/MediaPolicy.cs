using System.Text;

namespace Viatique.Api.Media;

/// <summary>
/// What may be uploaded: nothing a server or a browser would execute or render as active content
/// (scripts, executables, markup), judged by extension, declared type and the first bytes.
/// </summary>
public static class MediaPolicy
{
    static readonly HashSet<string> RefusedExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".php", ".php3", ".php4", ".php5", ".php7", ".phtml", ".phar", ".pht",
        ".py", ".pyc", ".pyo", ".sh", ".bash", ".zsh", ".pl", ".pm", ".cgi", ".rb", ".lua",
        ".exe", ".dll", ".so", ".bat", ".cmd", ".com", ".msi", ".ps1", ".vbs", ".jar", ".war", ".elf",
        ".html", ".htm", ".xhtml", ".shtml", ".shtm", ".xht", ".svg", ".svgz", ".xml", ".xsl", ".xslt",
        ".js", ".mjs", ".cjs", ".jsp", ".jspx", ".asp", ".aspx", ".ashx", ".asmx", ".htaccess", ".swf",
        // Rendered as active content by some browser or OS: web archives, HTML applications, feeds,
        // MathML, WebAssembly, schemas.
        ".mht", ".mhtml", ".hta", ".rss", ".atom", ".mml", ".wasm", ".xsd",
    };

    static readonly string[] RefusedTypePrefixes =
    [
        "text/html", "application/xhtml", "image/svg", "text/javascript", "application/javascript", "application/ecmascript",
        "application/x-php", "application/x-httpd-php", "text/x-php", "text/x-python", "application/x-sh", "text/x-shellscript",
        "application/x-msdownload", "application/x-executable", "application/x-msdos-program", "application/java-archive",
        "text/xml", "application/xml", "message/rfc822", "multipart/related", "application/x-mimearchive", "application/hta",
        "application/rss+xml", "application/atom+xml", "application/mathml+xml", "application/wasm",
    ];

    static readonly string[] RefusedOpenings =
    [
        "<?php", "<?=", "<script", "<html", "<!doctype html", "<svg", "<?xml", "#!",
        // Browsers sniff these as HTML too: a leading comment, a bare body, other common tags.
        "<!--", "<body", "<head", "<iframe", "<!doctype", "<title", "<style", "<a ", "<img", "<div", "<table", "<br", "<p>", "<b>", "<h1",
    ];

    /// <summary>Longest file name or part content type accepted (the columns hold 255).</summary>
    public const int MaxNameLength = 255;

    /// <summary>Why the name or declared type is refused, or null.</summary>
    public static string? RefuseByName(string fileName, string? contentType)
    {
        // Every dotted part counts: "photo.php.jpg" is refused as well as "photo.php".
        var parts = Path.GetFileName(fileName).Split('.');
        if (parts.Skip(1).Any(p => RefusedExtensions.Contains("." + p)))
        {
            return "files of this type (scripts, executables, markup) are not accepted";
        }
        var type = (contentType ?? "").Trim().ToLowerInvariant();
        return RefusedTypePrefixes.Any(type.StartsWith) ? $"content type {type} is not accepted" : null;
    }

    /// <summary>Why the first bytes are refused (markup or a script under an innocent name), or null.</summary>
    public static string? RefuseByContent(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 2 && head[0] == (byte)'M' && head[1] == (byte)'Z')
        {
            return "executables are not accepted";
        }
        if (head.Length >= 4 && head[0] == 0x7f && head[1] == (byte)'E' && head[2] == (byte)'L' && head[3] == (byte)'F')
        {
            return "executables are not accepted";
        }
        var text = Decode(head[..Math.Min(head.Length, 512)]).TrimStart('\uFEFF', ' ', '\t', '\r', '\n', '\f', '\0').ToLowerInvariant();
        return RefusedOpenings.Any(text.StartsWith) ? "markup and scripts are not accepted" : null;
    }

    /// <summary>UTF-8, or UTF-16 when a byte-order mark or the zero bytes of ASCII text say so (browsers sniff both).</summary>
    static string Decode(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] != 0 && head[1] == 0 && head.Length >= 4 && head[3] == 0)))
        {
            return Encoding.Unicode.GetString(head);
        }
        if (head.Length >= 2 && ((head[0] == 0xFE && head[1] == 0xFF) || (head[0] == 0 && head[1] != 0 && head.Length >= 3 && head[2] == 0)))
        {
            return Encoding.BigEndianUnicode.GetString(head);
        }
        return Encoding.UTF8.GetString(head);
    }

    /// <summary>
    /// The name shown back to users: the last path segment, without control, bidi-override and
    /// zero-width characters (which could disguise "photo\u202Egpj.exe" as "photoexe.jpg").
    /// </summary>
    public static string DisplayName(string clientName)
    {
        var name = new string([.. Path.GetFileName(clientName.Replace('\\', '/')).Where(c => !Logging.LogText.IsInvisible(c))]);
        return name.Length is > 0 and <= MaxNameLength ? name : "file";
    }

    /// <summary>A safe extension for the stored name: the client's, when it is short and plain.</summary>
    public static string StoredExtension(string fileName)
    {
        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        return extension.Length is > 1 and <= 10 && extension[1..].All(char.IsAsciiLetterOrDigit) ? extension : "";
    }
}
