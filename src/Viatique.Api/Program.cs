using Viatique.Api.Commands;
using Viatique.Api.Data;
using Viatique.Api.Health;
using Viatique.Api.Hosting;
using Viatique.Api.Logging;
using Viatique.Api.Metrics;
using Viatique.Api.RateLimiting;
using Viatique.Api.Settings;
using Viatique.Api.Settings.Rulebook;

// Verbs other than serve (check, migrate, healthcheck…) never build the web host.
if (ViatiqueCli.IsVerb(args))
{
    return await ViatiqueCli.RunAsync(args);
}

try
{
    var builder = WebApplication.CreateBuilder(ViatiqueCli.ServeArguments(args));

    // Read the environment once and enforce the rulebook before anything listens.
    var settings = builder.AddViatiqueSettings();
    builder.AddViatiqueLogging(settings);
    builder.AddViatiqueHttp(settings);
    builder.AddViatiqueData(settings);
    builder.AddViatiqueRateLimits();
    builder.AddViatiqueHealth();
    builder.AddViatiqueMetrics();

    var app = builder.Build();
    app.UseViatiqueHttp(settings);
    app.UseViatiqueMetrics();
    app.MapHealth();
    app.MapMetrics(settings);

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
