using Viatique.Api.Commands;
using Viatique.Api.Health;
using Viatique.Api.Hosting;
using Viatique.Api.Logging;
using Viatique.Api.Settings;
using Viatique.Api.Settings.Rulebook;

// Verbs other than serve (check, migrate, worker…) never build the web host.
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

    var app = builder.Build();
    app.UseViatiqueHttp();
    app.MapHealth();

    await app.RunAsync();
    return ExitCodes.Ok;
}
catch (RulebookViolation violation)
{
    return ViatiqueCli.Refuse(violation);
}
