using System.CommandLine;
using System.Text.RegularExpressions;
using Viatique.Api.Jobs;
using Viatique.Api.Settings.Rulebook;

namespace Viatique.Api.Commands;

/// <summary>
/// The verb table, like Django's <c>manage.py</c> (SPEC §8a). Each verb only parses and dispatches;
/// the work lives in its feature folder. <c>serve</c> is run by Program.cs itself.
/// </summary>
public static partial class ViatiqueCli
{
    public const string Serve = "serve";

    static RootCommand Root()
    {
        var root = Verbs();
        // Reached only with options and no verb: nothing to run, so say how to use it.
        root.SetAction(_ => Usage(root, root.Parse(["--help"]), []));
        return root;
    }

    static RootCommand Verbs() => new("Viatique host: the Viatique web API and its operational commands.")
    {
        new Command(Serve, "Run the web API (the default verb): enforce the rulebook, then listen on ASPNETCORE_URLS. Enqueues jobs; runs none outside Development."),
        JobRoleCommand.Create(JobRole.Worker),
        JobRoleCommand.Create(JobRole.Scheduler),
        MigrateCommand.Create(),
        CheckCommand.Create(),
        CreateUserCommand.Create(admin: true),
        CreateUserCommand.Create(admin: false),
        HealthcheckCommand.Create(),
    };

    /// <summary>
    /// True when <paramref name="args"/> ask for the web host: nothing at all, or <c>serve</c>,
    /// each optionally followed by host settings written <c>--key=value</c> (what
    /// WebApplicationFactory passes). Anything else goes to <see cref="RunAsync"/>, which refuses
    /// what it does not know: a typo never starts the production server.
    /// </summary>
    public static bool IsServe(string[] args, out string[] hostArguments)
    {
        var rest = args is [Serve, .. var afterVerb] ? afterVerb : args;
        hostArguments = rest;
        return rest.All(HostSetting().IsMatch);
    }

    [GeneratedRegex(@"^--[A-Za-z][A-Za-z0-9_:.\-]*=")]
    private static partial Regex HostSetting();

    public static async Task<int> RunAsync(string[] args)
    {
        var root = Root();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            return Usage(root, parse, args);
        }
        try
        {
            // Our own handler below, not System.CommandLine's, decides what a violation prints; and
            // SIGTERM belongs to the host (worker, scheduler), which lets a running job finish:
            // System.CommandLine's own handler would kill the process after 2 s.
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (RulebookViolation violation)
        {
            return Refuse(violation);
        }
    }

    /// <summary>EX_USAGE: what was wrong, the closest verb when the verb itself was unknown, and the usage, all on stderr.</summary>
    static int Usage(RootCommand root, ParseResult parse, string[] args)
    {
        foreach (var error in parse.Errors)
        {
            Console.Error.WriteLine($"viatique: {error.Message}");
        }
        if (args is [var first, ..] && !first.StartsWith('-') && root.Subcommands.All(c => c.Name != first)
            && ClosestVerb(first, root.Subcommands.Select(c => c.Name)) is { } suggestion)
        {
            Console.Error.WriteLine($"viatique: unknown verb '{first}'; did you mean `{suggestion}`?");
        }
        var path = parse.CommandResult.Command == root ? [] : new[] { parse.CommandResult.Command.Name };
        root.Parse([.. path, "--help"]).Invoke(new InvocationConfiguration { Output = Console.Error });
        return ExitCodes.Usage;
    }

    /// <summary>The verb within a few edits of <paramref name="typed"/> (Damerau-Levenshtein), or null when none is close.</summary>
    public static string? ClosestVerb(string typed, IEnumerable<string> verbs) =>
        verbs.Select(v => (Verb: v, Distance: Distance(typed.ToLowerInvariant(), v)))
            .Where(c => c.Distance <= Math.Max(2, c.Verb.Length / 3))
            .OrderBy(c => c.Distance)
            .Select(c => c.Verb)
            .FirstOrDefault();

    static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
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
