using System.CommandLine;
using Viatique.Api.Data;
using Viatique.Api.Logging;
using Viatique.Api.Settings;

namespace Viatique.Api.Commands;

static class MigrateCommand
{
    static readonly Option<int> Timeout = new("--timeout")
    {
        Description = "Seconds to wait for the database, and then for another container's migration, before giving up.",
        DefaultValueFactory = _ => 60,
    };

    public static Command Create()
    {
        var command = new Command("migrate", "Wait for the database (bounded), then apply pending migrations; safe to run from several containers at once.")
        {
            Timeout,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(TimeSpan.FromSeconds(parse.GetValue(Timeout)), cancellationToken));
        return command;
    }

    static async Task<int> RunAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder();
        var settings = builder.AddViatiqueSettings();
        builder.AddViatiqueLogging(settings);
        builder.AddViatiqueData(settings);
        using var host = builder.Build();

        var migrator = host.Services.GetRequiredService<Migrator>();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(LoggerNames.Startup);
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await migrator.WaitForDatabaseAsync(timeout, cancellationToken);
            var left = timeout - System.Diagnostics.Stopwatch.GetElapsedTime(started);
            await migrator.MigrateAsync(cancellationToken, left > TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
            return ExitCodes.Ok;
        }
        catch (DatabaseUnavailableException e)
        {
            logger.LogCritical("{error}", e.Message);
            return ExitCodes.Failure;
        }
    }
}
