namespace Viatique.Api.Settings.Rulebook.Deploy;

/// <summary>
/// The deploy-only tier of the rulebook (Django's <c>deploy=True</c>): startup rules plus these.
/// </summary>
public static class DeployChecklist
{
    /// <summary>
    /// How long one check may take in all. Every wait on the network inside a check is bounded
    /// by the service's own timeouts, well below this (Npgsql: 5 s to connect, 5 s per command;
    /// Redis: 2 s), so an unreachable or frozen service is reported by those. This limit catches
    /// what nothing else bounds, and leaves room for a cold process on a busy machine: the first
    /// EF Core query builds the model and compiles the query, which took over 10 s (the former
    /// limit) with the load average at 28, and so failed a deployment whose database was fine.
    /// </summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(30);

    /// <param name="data">Services with the data layer, or null when DATABASE_URL is not usable.</param>
    public static IReadOnlyList<IDeployCheck> Checks(IServiceProvider? data) =>
    [
        .. data is null
            ? new IDeployCheck[] { new Skipped("VIQ-E100", "DATABASE_URL", "database reachable"), new Skipped("VIQ-E101", "DATABASE_URL", "no pending migration") }
            : [new DatabaseReachable(data), new NoPendingMigrations(data), new SecretKeyAge(data)],
        new RedisReachable(),
        new ComposeDatabaseCredentials(),
        new TlsCertificateValid(),
        new BackupsRecent(),
        new NoUnexpectedAnonymousEndpoints(),
    ];

    /// <summary>Runs every check with its own timeout; a check that throws is an error, not a crash.</summary>
    public static async Task<RulebookReport> RunAsync(RulebookReport startup, RuleContext context, IEnumerable<IDeployCheck> checks, CancellationToken cancellationToken, TimeSpan? timeoutPerCheck = null)
    {
        var limit = timeoutPerCheck ?? CheckTimeout;
        var findings = new List<Finding>();
        foreach (var check in checks)
        {
            if (check.Requires is { } required && findings.Any(f => f.Id == required && f.IsError))
            {
                findings.Add(new Finding(check.Id, Severity.Info, "(deploy)", $"skipped: {check.Title} (needs {required}, which failed)", $"fix {required} first"));
                continue;
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(limit);
            try
            {
                findings.AddRange(await check.RunAsync(context, timeout.Token));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                findings.Add(new Finding(check.Id, Severity.Error, "(deploy)", $"{check.Title}: did not finish within {limit.TotalSeconds:0.#} s", "check that the service is up and reachable from this container, and that this machine is not overloaded"));
            }
            catch (RulebookViolation)
            {
                findings.Add(new Finding(check.Id, Severity.Info, "(deploy)", $"skipped: {check.Title} (the host cannot be built until the errors above are fixed)", "fix the startup errors first"));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A check that breaks is a failed check, reported with the others, never a crash.
                findings.Add(new Finding(check.Id, Severity.Error, "(deploy)", $"{check.Title}: the check itself failed ({e.GetType().Name}: {e.Message})", "see the message; run check --deploy again once fixed"));
            }
        }
        return startup.With(findings);
    }
}
