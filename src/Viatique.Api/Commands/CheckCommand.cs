using System.CommandLine;
using Viatique.Api.Data;
using Viatique.Api.Settings;
using Viatique.Api.Settings.Rulebook;
using Viatique.Api.Settings.Rulebook.Deploy;

namespace Viatique.Api.Commands;

static class CheckCommand
{
    static readonly Option<bool> Deploy = new("--deploy")
    {
        Description = "Also run the operational checklist: database, migrations, Redis, TLS certificate, backups, endpoints.",
    };

    static readonly Option<bool> Json = new("--json")
    {
        Description = "Print the report as JSON (for CI).",
    };

    public static Command Create()
    {
        var command = new Command("check", "Run the production rulebook against the current environment; exit 0 only without errors.")
        {
            Deploy, Json,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(Deploy), parse.GetValue(Json), Console.Out, cancellationToken));
        return command;
    }

    public static async Task<int> RunAsync(bool deploy, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        var settings = SettingsReader.FromProcessEnvironment();
        var context = RuleContext.For(settings);
        var report = Rulebook.Evaluate(context);
        if (deploy)
        {
            using var data = DataServices(settings, report);
            report = await DeployChecklist.RunAsync(report, context, DeployChecklist.Checks(data?.Services), cancellationToken);
        }
        await output.WriteLineAsync(json ? report.ToJson() : report.ToText());
        return report.HasErrors ? ExitCodes.Config : ExitCodes.Ok;
    }

    /// <summary>The data layer for the deploy checks, unless DATABASE_URL already failed a rule.</summary>
    static IHost? DataServices(ViatiqueSettings settings, RulebookReport report)
    {
        if (settings.Database is null || report.Errors.Any(e => e.Variable == "DATABASE_URL"))
        {
            return null;
        }
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(settings);
        builder.AddViatiqueData(settings);
        return builder.Build();
    }
}
