using Microsoft.EntityFrameworkCore;
using Viatique.Api.Data;
using Viatique.Api.Settings.Rulebook.Rules;

namespace Viatique.Api.Settings.Rulebook.Deploy;

/// <summary>VIQ-E100: the database answers.</summary>
public sealed class DatabaseReachable(IServiceProvider services) : IDeployCheck
{
    public string Id => "VIQ-E100";
    public string Title => "database reachable";

    public async Task<IReadOnlyList<Finding>> RunAsync(RuleContext context, CancellationToken cancellationToken)
    {
        var migrator = services.GetRequiredService<Migrator>();
        try
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ViatiqueDbContext>();
            await db.Database.GetDbConnection().OpenAsync(cancellationToken);
            return [];
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return [new Finding(Id, Severity.Error, "DATABASE_URL", $"the database at {migrator.Where} is not reachable ({e.GetType().Name})",
                "start the database or fix DATABASE_URL's host, port and credentials")];
        }
    }
}

/// <summary>VIQ-E101: every migration of this build is applied.</summary>
public sealed class NoPendingMigrations(IServiceProvider services) : IDeployCheck
{
    public string Id => "VIQ-E101";
    public string Title => "no pending migration";
    public string? Requires => "VIQ-E100";

    public async Task<IReadOnlyList<Finding>> RunAsync(RuleContext context, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ViatiqueDbContext>();
        IReadOnlyList<string> pending;
        try
        {
            pending = await Migrator.PendingAsync(db, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return [new Finding(Id, Severity.Info, "DATABASE_URL", $"pending migrations not verified: the database did not answer ({e.GetType().Name})", "see VIQ-E100")];
        }
        return pending.Count == 0
            ? []
            : [new Finding(Id, Severity.Error, "DATABASE_URL", $"{pending.Count} migration(s) not applied: {string.Join(", ", pending)}",
                "run the migrate verb (the container's entrypoint runs it before serve)")];
    }
}

/// <summary>VIQ-W002 with the real date: when the host first saw the current SECRET_KEY.</summary>
public sealed class SecretKeyAge(IServiceProvider services) : IDeployCheck
{
    public string Id => "VIQ-W002";
    public string Title => "SECRET_KEY younger than 90 days";
    public string? Requires => "VIQ-E100";

    public async Task<IReadOnlyList<Finding>> RunAsync(RuleContext context, CancellationToken cancellationToken)
    {
        if (context.Settings.SecretKey is not { } key)
        {
            return [];
        }
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ViatiqueDbContext>();
        try
        {
            var firstSeen = await SecretKeySighting.FirstSeenAsync(db, key, cancellationToken);
            return [.. new SecretKeyRotation().Evaluate(context with { SecretKeyFirstSeen = firstSeen })];
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return [new Finding(Id, Severity.Info, "SECRET_KEY", $"key age not verified: the database did not answer ({e.GetType().Name})", "see VIQ-E100")];
        }
    }
}
