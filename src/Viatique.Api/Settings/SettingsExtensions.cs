using Viatique.Api.Logging;
using Viatique.Api.Settings.Rulebook;

namespace Viatique.Api.Settings;

public static class SettingsExtensions
{
    // Reads every variable of SPEC §3 once (from the process environment unless given) and
    // enforces the rulebook before anything listens.
    public static ViatiqueSettings AddViatiqueSettings(this IHostApplicationBuilder builder, IReadOnlyDictionary<string, string>? environment = null)
    {
        var settings = SettingsReader.Read(environment ?? SettingsReader.ProcessEnvironment());
        var report = Rulebook.Rulebook.Enforce(RuleContext.For(settings));
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(report);
        builder.Services.AddHostedService<RulebookWarningsLogger>();
        return settings;
    }
}

/// <summary>Warnings never stop the host; they go to the log once logging is up.</summary>
sealed class RulebookWarningsLogger(RulebookReport report, ILoggerFactory loggers) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(LoggerNames.Startup);
        foreach (var finding in report.Warnings)
        {
            logger.LogWarning("{rule_id} {variable}: {finding}. Hint: {hint}", finding.Id, finding.Variable, finding.Message, finding.Hint);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
