using System.CommandLine;
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
        var context = RuleContext.For(SettingsReader.FromProcessEnvironment());
        var report = Rulebook.Evaluate(context);
        if (deploy)
        {
            report = await DeployChecklist.RunAsync(report, context, DeployChecklist.Checks(), cancellationToken);
        }
        await output.WriteLineAsync(json ? report.ToJson() : report.ToText());
        return report.HasErrors ? ExitCodes.Config : ExitCodes.Ok;
    }
}
