using Viatique.Api;
using Viatique.Api.Commands;
using Viatique.Api.Data;
using Viatique.Api.Jobs;
using Viatique.Api.Settings.Rulebook;

// Only no arguments or `serve` build the web host; every other verb, and any typo, goes to the CLI.
if (!ViatiqueCli.IsServe(args, out var hostArguments))
{
    return await ViatiqueCli.RunAsync(args);
}

try
{
    var (app, settings) = ViatiqueApp.Create(hostArguments);

    // Development only: the SQLite file is created and migrated so `dotnet run` needs nothing.
    // Elsewhere migrations are explicit (the migrate verb, run by the container's entrypoint).
    if (settings.IsDevelopment)
    {
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(app.Lifetime.ApplicationStopping);
    }

    return await HostExit.RunAsync(app);
}
catch (RulebookViolation violation)
{
    return ViatiqueCli.Refuse(violation);
}
