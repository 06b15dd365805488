using Viatique.Api.Data;

namespace Viatique.Api.Settings.Rulebook.Rules;

public sealed class DatabaseUrlRequired : Rule
{
    public override string Id => "VIQ-E030";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (!context.IsDevelopment && !context.Settings.DatabaseUrlGiven)
        {
            yield return Found("DATABASE_URL", "DATABASE_URL is not set; Staging and Production never fall back to a local database",
                "set DATABASE_URL=postgresql://user:password@db:5432/viatique (or DATABASE_URL_FILE)");
        }
    }
}

public sealed class DatabaseUrlWellFormed : Rule
{
    public override string Id => "VIQ-E031";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        var settings = context.Settings;
        if ((settings.DatabaseUrlError ?? (settings.Database is { } url ? DatabaseConnections.OptionProblem(url) : null)) is { } error)
        {
            yield return Found("DATABASE_URL", $"DATABASE_URL {error} (value not shown: it may hold a password)",
                "write it as postgresql://user:password@host:5432/name; percent-escape special characters in the password (@ as %40, : as %3A)");
        }
    }
}

public sealed class DatabaseIsPostgres : Rule
{
    public override string Id => "VIQ-E032";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (!context.IsDevelopment && context.Settings.Database is { Engine: not DatabaseEngine.PostgreSql } database)
        {
            yield return Found("DATABASE_URL", $"DATABASE_URL uses '{database.Scheme}'; {context.Environment} needs PostgreSQL (SQLite has no concurrent writers)",
                "use a postgres:// or postgresql:// URL");
        }
    }
}

public sealed class NoProductionDatabaseOutsideProduction : Rule
{
    public override string Id => "VIQ-E033";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (context.IsProduction || context.Settings.Database is not { } database)
        {
            yield break;
        }
        var name = Path.GetFileNameWithoutExtension(database.Name);
        if (name.EndsWith("_prod", StringComparison.OrdinalIgnoreCase) || name.EndsWith("_production", StringComparison.OrdinalIgnoreCase))
        {
            yield return Found("DATABASE_URL", $"DATABASE_URL names a production database ('{database.Name}') in {context.Environment}; the rulebook forbids using it outside Production",
                "point DATABASE_URL at a dedicated development or staging database");
        }
    }
}

public sealed class DatabasePoolSizeInRange : Rule
{
    public const int Max = 1000;

    public override string Id => "VIQ-E034";

    public override IEnumerable<Finding> Evaluate(RuleContext context)
    {
        if (context.Settings.DatabasePoolSize is < 1 or > Max)
        {
            yield return Found("DATABASE_POOL_SIZE", $"DATABASE_POOL_SIZE is {context.Settings.DatabasePoolSize}; it must be between 1 and {Max} (replicas × pool must stay under PostgreSQL's max_connections)",
                "remove DATABASE_POOL_SIZE (default 20) or set e.g. DATABASE_POOL_SIZE=20");
        }
    }
}
