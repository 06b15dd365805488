using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Parsing;

namespace Viatique.Api.Logging;

/// <summary>
/// Readable lines for a developer's terminal (LOG_FORMAT=text, Development's default):
/// <c>19:05:01.123 INFO    viatique.access: GET /health/ 200 in 1.2 ms  request_id=…</c>, the
/// properties the message does not already show after it, the exception on the lines below.
/// The finished text goes through the same <see cref="SecretRedactor"/> as the JSON lines.
/// </summary>
public sealed class TextLogFormatter(SecretRedactor redactor, bool colors = false) : ITextFormatter
{
    const string SourceContext = "SourceContext";

    /// <summary>Framework scope properties that repeat what the line already says (the request id is kept).</summary>
    static readonly HashSet<string> Noise = new(StringComparer.Ordinal)
    {
        SourceContext, "EventId", "RequestId", "RequestPath", "ConnectionId", "TraceId", "SpanId", "ParentId",
    };

    public void Format(LogEvent logEvent, TextWriter output)
    {
        using var line = new StringWriter(CultureInfo.InvariantCulture);
        line.Write(logEvent.Timestamp.ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture));
        line.Write(' ');
        var level = JsonLogFormatter.LevelName(logEvent.Level);
        line.Write(colors ? $"{Color(logEvent.Level)}{level,-8}\u001b[0m" : $"{level,-8}");
        line.Write(logEvent.Properties.TryGetValue(SourceContext, out var name) && name is ScalarValue { Value: string logger } ? logger : "root");
        line.Write(": ");
        line.Write(JsonLogFormatter.RenderMessage(logEvent));

        var shown = logEvent.MessageTemplate.Tokens.OfType<PropertyToken>().Select(t => t.PropertyName).ToHashSet(StringComparer.Ordinal);
        var separator = "  ";
        foreach (var (key, value) in logEvent.Properties)
        {
            if (Noise.Contains(key) || shown.Contains(key))
            {
                continue;
            }
            line.Write(separator);
            separator = " ";
            line.Write(key);
            line.Write('=');
            line.Write(value is ScalarValue { Value: string text } ? text : value.ToString());
        }
        if (logEvent.Exception is { } exception)
        {
            line.WriteLine();
            line.Write(exception.ToString());
        }
        output.WriteLine(redactor.Redact(line.ToString()));
    }

    static string Color(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose or LogEventLevel.Debug => "\u001b[90m",
        LogEventLevel.Information => "\u001b[32m",
        LogEventLevel.Warning => "\u001b[33m",
        _ => "\u001b[31m",
    };
}
