using System.CommandLine;
using Viatique.Api.Settings.Rulebook;

namespace Viatique.Api.Commands;

/// <summary>
/// The verb table, like Django's <c>manage.py</c>. Each verb only parses and dispatches; the work
/// lives in its feature folder. <c>serve</c> is the default and is run by Program.cs itself.
/// </summary>
public static class ViatiqueCli
{
    public const string Serve = "serve";

    static readonly string[] HelpTokens = ["--help", "-h", "-?", "--version"];

    static RootCommand Root() => new("Viatique host: the Viatique web API and its operational commands.")
    {
        new Command(Serve, "Run the web API (the default verb): enforce the rulebook, then listen on ASPNETCORE_URLS."),
        CheckCommand.Create(),
        MigrateCommand.Create(),
        HealthcheckCommand.Create(),
        CreateSuperuserCommand.Create(),
    };

    /// <summary>
    /// True when <paramref name="args"/> ask for a verb other than <c>serve</c>, or for help.
    /// Anything else is <c>serve</c>, including WebApplicationFactory's <c>--key=value</c> arguments.
    /// </summary>
    public static bool IsVerb(string[] args)
    {
        if (args.Length == 0)
        {
            return false;
        }
        if (args[0] == Serve)
        {
            return args.Skip(1).Any(HelpTokens.Contains);
        }
        return HelpTokens.Contains(args[0]) || Root().Subcommands.Any(c => c.Name == args[0]);
    }

    /// <summary>The arguments for the web host: an explicit leading <c>serve</c> is dropped.</summary>
    public static string[] ServeArguments(string[] args) => args is [Serve, .. var rest] ? rest : args;

    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            // Our own handler below, not System.CommandLine's, decides what a violation prints.
            return await Root().Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (RulebookViolation violation)
        {
            return Refuse(violation);
        }
    }

    /// <summary>The one place that prints a rulebook violation and picks its exit code.</summary>
    public static int Refuse(RulebookViolation violation)
    {
        var report = violation.Report;
        Console.Error.WriteLine($"Viatique refuses to start: the production rulebook found {report.Errors.Count} error(s) in {report.Environment}.");
        Console.Error.WriteLine(report.ToText());
        return ExitCodes.Config;
    }
}
