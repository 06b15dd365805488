using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Json;
using Serilog.Parsing;

namespace Viatique.Api.Logging;

/// <summary>
/// One JSON object per line, with the rulebook formatter's fields (<c>asctime</c>, <c>name</c>,
/// <c>levelname</c>, <c>message</c>) first, then the event's structured properties, then
/// <c>exc_info</c>. The finished line goes through <see cref="SecretRedactor"/>.
/// </summary>
public sealed class JsonLogFormatter(SecretRedactor redactor) : ITextFormatter
{
    const string SourceContext = "SourceContext";
    static readonly JsonValueFormatter Values = new(typeTagName: null);

    public void Format(LogEvent logEvent, TextWriter output)
    {
        using var line = new StringWriter(CultureInfo.InvariantCulture);
        line.Write("{\"asctime\":\"");
        line.Write(logEvent.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        line.Write("\",\"name\":");
        JsonValueFormatter.WriteQuotedJsonString(LoggerName(logEvent), line);
        line.Write(",\"levelname\":\"");
        line.Write(LevelName(logEvent.Level));
        line.Write("\",\"message\":");
        JsonValueFormatter.WriteQuotedJsonString(RenderMessage(logEvent), line);

        foreach (var (name, value) in logEvent.Properties)
        {
            if (name is SourceContext or "asctime" or "name" or "levelname" or "message" or "exc_info")
            {
                continue;
            }
            line.Write(',');
            JsonValueFormatter.WriteQuotedJsonString(name, line);
            line.Write(':');
            Values.Format(value, line);
        }
        if (logEvent.Exception is { } exception)
        {
            line.Write(",\"exc_info\":");
            JsonValueFormatter.WriteQuotedJsonString(exception.ToString(), line);
        }
        line.Write('}');

        output.WriteLine(redactor.Redact(line.ToString()));
    }

    static string LoggerName(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue(SourceContext, out var value) && value is ScalarValue { Value: string name } ? name : "root";

    /// <summary>Python's level names, as the rulebook's formatter writes them.</summary>
    public static string LevelName(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose or LogEventLevel.Debug => "DEBUG",
        LogEventLevel.Information => "INFO",
        LogEventLevel.Warning => "WARNING",
        LogEventLevel.Error => "ERROR",
        _ => "CRITICAL",
    };

    /// <summary>The message with string values unquoted, as a person writes it.</summary>
    public static string RenderMessage(LogEvent logEvent)
    {
        using var message = new StringWriter(CultureInfo.InvariantCulture);
        foreach (var token in logEvent.MessageTemplate.Tokens)
        {
            if (token is PropertyToken property
                && logEvent.Properties.TryGetValue(property.PropertyName, out var value)
                && value is ScalarValue { Value: string text })
            {
                message.Write(text);
            }
            else
            {
                token.Render(logEvent.Properties, message, CultureInfo.InvariantCulture);
            }
        }
        return message.ToString();
    }
}
