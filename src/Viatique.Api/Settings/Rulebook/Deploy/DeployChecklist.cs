namespace Viatique.Api.Settings.Rulebook.Deploy;

/// <summary>
/// The deploy-only tier of the rulebook (Django's <c>deploy=True</c>): startup rules plus these.
/// </summary>
public static class DeployChecklist
{
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(10);

    /// <param name="data">Services with the data layer, or null when DATABASE_URL is not usable.</param>
    public static IReadOnlyList<IDeployCheck> Checks(IServiceProvider? data) =>
    [
        .. data is null
            ? new IDeployCheck[] { new Skipped("VIQ-E100", "DATABASE_URL", "database reachable"), new Skipped("VIQ-E101", "DATABASE_URL", "no pending migration") }
            : [new DatabaseReachable(data), new NoPendingMigrations(data), new SecretKeyAge(data)],
        new RedisReachable(),
        new ComposeDatabaseCredentials(),
        new NotYetAvailable("VIQ-E103", "TLS_CERT_PATH", "TLS certificate valid for more than 14 days", issue: 6),
        new NotYetAvailable("VIQ-E104", "BACKUP_DIR", "database and media backups younger than 24 h", issue: 6),
        new NoUnexpectedAnonymousEndpoints(),
    ];

    /// <summary>Runs every check with its own timeout; a check that throws is an error, not a crash.</summary>
    public static async Task<RulebookReport> RunAsync(RulebookReport startup, RuleContext context, IEnumerable<IDeployCheck> checks, CancellationToken cancellationToken, TimeSpan? timeoutPerCheck = null)
    {
        var limit = timeoutPerCheck ?? CheckTimeout;
        var findings = new List<Finding>();
        foreach (var check in checks)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(limit);
            try
            {
                findings.AddRange(await check.RunAsync(context, timeout.Token));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                findings.Add(new Finding(check.Id, Severity.Error, "(deploy)", $"{check.Title}: no answer within {limit.TotalSeconds:0.#} s", "check that the service is up and reachable from this container"));
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
