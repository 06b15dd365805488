using System.CommandLine;
using Viatique.Api.Auth;
using Viatique.Api.Data;
using Viatique.Api.Logging;

namespace Viatique.Api.Commands;

static class MigrateCommand
{
    static readonly Option<int> Timeout = new("--timeout")
    {
        Description = "Seconds to wait for the database, and then for another container's migration, before giving up.",
        DefaultValueFactory = _ => 60,
    };

    static readonly Option<bool> Check = new("--check")
    {
        Description = "Apply nothing: exit 0 when every migration is applied, 1 while some are pending (Django's migrate --check). The worker and scheduler containers wait on it.",
    };

    public static Command Create()
    {
        var command = new Command("migrate", "Wait for the database (bounded), then apply pending migrations; safe to run from several containers at once.")
        {
            Timeout,
            Check,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(TimeSpan.FromSeconds(parse.GetValue(Timeout)), parse.GetValue(Check), cancellationToken));
        return command;
    }

    static async Task<int> RunAsync(TimeSpan timeout, bool checkOnly, CancellationToken cancellationToken)
    {
        var (builder, _) = ViatiqueApp.CreateWithoutHttp();
        using var host = builder.Build();

        var migrator = host.Services.GetRequiredService<Migrator>();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(LoggerNames.Startup);
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await migrator.WaitForDatabaseAsync(timeout, cancellationToken);
            if (checkOnly)
            {
                return await migrator.IsCurrentAsync(cancellationToken) ? ExitCodes.Ok : ExitCodes.Failure;
            }
            var left = timeout - System.Diagnostics.Stopwatch.GetElapsedTime(started);
            // The key ring's first key, once, before any replica serves (see KeyRingBootstrap).
            await migrator.MigrateAsync(cancellationToken, left > TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), () =>
            {
                if (KeyRingBootstrap.EnsureKey(host.Services))
                {
                    logger.LogInformation("Created the first data-protection key of the shared key ring");
                }
            });
            return ExitCodes.Ok;
        }
        catch (DatabaseUnavailableException e)
        {
            logger.LogCritical("{error}", e.Message);
            return ExitCodes.Failure;
        }
    }
}
