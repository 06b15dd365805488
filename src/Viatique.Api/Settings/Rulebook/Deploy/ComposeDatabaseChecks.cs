namespace Viatique.Api.Settings.Rulebook.Deploy;

/// <summary>
/// VIQ-E106: with docker/docker-compose.prod.yml the <c>db</c> service is created from
/// POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB of the same .env.production; DATABASE_URL must
/// name the same user, password and database, or the backend cannot log in. Runs only where
/// those variables are set (the compose file's env_file gives them to every service).
/// </summary>
public sealed class ComposeDatabaseCredentials(Func<string, string?> environment) : IDeployCheck
{
    public ComposeDatabaseCredentials() : this(Environment.GetEnvironmentVariable) { }

    public string Id => "VIQ-E106";
    public string Title => "DATABASE_URL agrees with the db service's POSTGRES_USER/PASSWORD/DB";

    public Task<IReadOnlyList<Finding>> RunAsync(RuleContext context, CancellationToken cancellationToken)
    {
        var user = environment("POSTGRES_USER");
        var password = environment("POSTGRES_PASSWORD");
        var name = environment("POSTGRES_DB");
        if (context.Settings.Database is not { Engine: DatabaseEngine.PostgreSql } url
            || (string.IsNullOrEmpty(user) && string.IsNullOrEmpty(password) && string.IsNullOrEmpty(name)))
        {
            return Task.FromResult<IReadOnlyList<Finding>>([]);
        }
        // The postgres image's defaults: user "postgres", database named like the user.
        var expectedUser = string.IsNullOrEmpty(user) ? "postgres" : user;
        var expectedName = string.IsNullOrEmpty(name) ? expectedUser : name;
        var differs = new List<string>();
        if (!string.Equals(url.User, expectedUser, StringComparison.Ordinal))
        {
            differs.Add($"user ({url.User ?? "none"} in DATABASE_URL, {expectedUser} in POSTGRES_USER)");
        }
        if (!string.IsNullOrEmpty(password) && !string.Equals(url.Password, password, StringComparison.Ordinal))
        {
            differs.Add("password (values not shown)");
        }
        if (!string.Equals(url.Name, expectedName, StringComparison.Ordinal))
        {
            differs.Add($"database ({url.Name} in DATABASE_URL, {expectedName} in POSTGRES_DB)");
        }
        return Task.FromResult<IReadOnlyList<Finding>>(differs.Count == 0
            ? []
            : [new Finding(Id, Severity.Error, "DATABASE_URL", $"DATABASE_URL disagrees with the db service on: {string.Join("; ", differs)}",
                "make DATABASE_URL=postgresql://POSTGRES_USER:POSTGRES_PASSWORD@db:5432/POSTGRES_DB in .env.production (the db service only reads POSTGRES_* when its volume is first created)")]);
    }
}
