using Viatique.Api.Admin;
using Viatique.Api.ApiDocs;
using Viatique.Api.Auth;
using Viatique.Api.Data;
using Viatique.Api.Email;
using Viatique.Api.Health;
using Viatique.Api.Hosting;
using Viatique.Api.Jobs;
using Viatique.Api.Logging;
using Viatique.Api.Media;
using Viatique.Api.Metrics;
using Viatique.Api.RateLimiting;
using Viatique.Api.Settings;

namespace Viatique.Api;

/// <summary>
/// The web host, top to bottom. Program.cs runs it; <c>check --deploy</c> builds it without
/// listening to audit its endpoint table.
/// </summary>
public static class ViatiqueApp
{
    /// <exception cref="Settings.Rulebook.RulebookViolation">The environment breaks the rulebook.</exception>
    public static (WebApplication App, ViatiqueSettings Settings) Create(string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var builder = WebApplication.CreateBuilder(args);

        // Read the environment once and enforce the rulebook before anything listens.
        var settings = builder.AddViatiqueSettings(environment);
        builder.AddViatiqueLogging(settings);
        builder.AddViatiqueHttp(settings);
        builder.AddViatiqueData(settings);
        builder.AddViatiqueAuth(settings);
        builder.AddViatiqueMail(settings);
        // serve only enqueues; Development's one process also works and schedules.
        builder.AddViatiqueJobs(settings, settings.IsDevelopment ? JobRole.All : JobRole.Web);
        builder.AddViatiqueRateLimits();
        builder.AddViatiqueHealth();
        builder.AddViatiqueMetrics();
        builder.AddViatiqueApiDocs();

        var app = builder.Build();
        app.UseViatiqueHttp(settings);
        app.UseViatiqueMetrics();
        app.UseJobMetrics();
        app.UseViatiqueAuth();

        app.MapHealth();
        app.MapMetrics(settings);
        app.MapAuth();
        app.MapMedia();
        app.MapAdmin();
        app.MapApiDocs(settings);
        app.MapJobsDashboard();
        return (app, settings);
    }

    /// <summary>
    /// What a verb without HTTP starts from (migrate, createsuperuser, worker, scheduler): the
    /// settings (the rulebook enforced), logs, the database, accounts and the key ring.
    /// </summary>
    /// <exception cref="Settings.Rulebook.RulebookViolation">The environment breaks the rulebook.</exception>
    public static (HostApplicationBuilder Builder, ViatiqueSettings Settings) CreateWithoutHttp()
    {
        var builder = Host.CreateApplicationBuilder();
        var settings = builder.AddViatiqueSettings();
        builder.AddViatiqueLogging(settings);
        builder.AddViatiqueData(settings);
        builder.AddViatiqueAuth(settings);
        return (builder, settings);
    }
}
