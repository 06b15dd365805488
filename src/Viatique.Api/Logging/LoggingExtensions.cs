using Serilog;
using Serilog.Events;
using Serilog.Formatting;
using Viatique.Api.Settings;

namespace Viatique.Api.Logging;

public static class LoggingExtensions
{
    // Reads DEBUG (level), LOG_FORMAT (JSON lines, or readable text in a developer's terminal) and
    // every secret of the settings (redaction, in both formats).
    public static IHostApplicationBuilder AddViatiqueLogging(this IHostApplicationBuilder builder, ViatiqueSettings settings)
    {
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(
            new LoggerConfiguration().ConfigureViatique(settings).CreateLogger(),
            dispose: true);
        builder.Services.AddHostedService<DroppedLines.Reporter>();
        return builder;
    }

    public static LoggerConfiguration ConfigureViatique(this LoggerConfiguration configuration, ViatiqueSettings settings)
    {
        var redactor = new SecretRedactor(settings.SecretValues());
        ITextFormatter formatter = settings.LogFormat == LogFormat.Text
            // Colours only for a person at a terminal, never into a file or a pipe (NO_COLOR honoured).
            ? new TextLogFormatter(redactor, colors: !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null)
            : new JsonLogFormatter(redactor);
        var stdout = new object();
        return configuration
            .MinimumLevel.Is(settings.Debug ? LogEventLevel.Debug : LogEventLevel.Information)
            // Our access log replaces ASP.NET Core's per-request lines; framework warnings still pass.
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            // Formatting, redaction and the console write happen on the sink's own thread, not the
            // request's. Under a flood, ordinary lines may be dropped (and the drops are counted and
            // reported); security events and those reports have a queue that never drops. The
            // ordinary queue holds 2 000 lines (a 50 ms burst at 40 000 requests/s). Its length
            // decides how long a burst it absorbs, not how much a sustained flood loses (the sink's
            // speed does); 10 000 held ~9 MiB more than 1 000 after a short benchmark load.
            .WriteTo.Logger(secure => secure
                .Filter.ByIncludingOnly(NeverDropped)
                .WriteTo.Async(sink => sink.Console(formatter, syncRoot: stdout), bufferSize: 10_000, blockWhenFull: true))
            .WriteTo.Logger(ordinary => ordinary
                .Filter.ByExcluding(NeverDropped)
                .WriteTo.Async(sink => sink.Console(formatter, syncRoot: stdout), bufferSize: 2_000, blockWhenFull: false, monitor: DroppedLines.Instance));
    }

    static bool NeverDropped(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("SourceContext", out var value) && value is ScalarValue { Value: string name }
        && (name.StartsWith(LoggerNames.Security, StringComparison.Ordinal) || name == LoggerNames.Logging);
}
