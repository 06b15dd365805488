using Viatique.Api;
using Viatique.Api.Commands;
using Viatique.Api.Data;
using Viatique.Api.Settings.Rulebook;

// Verbs other than serve (check, migrate, healthcheck…) never build the web host.
if (ViatiqueCli.IsVerb(args))
{
    return await ViatiqueCli.RunAsync(args);
}

try
{
    var (app, settings) = ViatiqueApp.Create(ViatiqueCli.ServeArguments(args));

    // Development only: the SQLite file is created and migrated so `dotnet run` needs nothing.
    // Elsewhere migrations are explicit (the migrate verb, run by the container's entrypoint).
    if (settings.IsDevelopment)
    {
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(app.Lifetime.ApplicationStopping);
    }

    await app.RunAsync();
    return ExitCodes.Ok;
}
catch (RulebookViolation violation)
{
    return ViatiqueCli.Refuse(violation);
}
