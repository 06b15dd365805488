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
    };

    static readonly string[] RefusedTypePrefixes =
    [
        "text/html", "application/xhtml", "image/svg", "text/javascript", "application/javascript", "application/ecmascript",
        "application/x-php", "application/x-httpd-php", "text/x-php", "text/x-python", "application/x-sh", "text/x-shellscript",
        "application/x-msdownload", "application/x-executable", "application/x-msdos-program", "application/java-archive",
        "text/xml", "application/xml",
    ];

    static readonly string[] RefusedOpenings = ["<?php", "<?=", "<script", "<html", "<!doctype html", "<svg", "<?xml", "#!"];

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
        var text = Encoding.UTF8.GetString(head[..Math.Min(head.Length, 512)]).TrimStart('\uFEFF', ' ', '\t', '\r', '\n').ToLowerInvariant();
        return RefusedOpenings.Any(text.StartsWith) ? "markup and scripts are not accepted" : null;
    }

    /// <summary>A safe extension for the stored name: the client's, when it is short and plain.</summary>
    public static string StoredExtension(string fileName)
    {
        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        return extension.Length is > 1 and <= 10 && extension[1..].All(char.IsAsciiLetterOrDigit) ? extension : "";
    }
}
