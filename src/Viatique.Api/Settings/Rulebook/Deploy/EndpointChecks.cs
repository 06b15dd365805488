using Viatique.Api.Auth;

namespace Viatique.Api.Settings.Rulebook.Deploy;

/// <summary>VIQ-E105: no endpoint reachable anonymously outside the allowlist (the rulebook's "no AllowAny").</summary>
public sealed class NoUnexpectedAnonymousEndpoints : IDeployCheck
{
    public string Id => "VIQ-E105";
    public string Title => "no endpoint reachable anonymously outside the allowlist";

    public Task<IReadOnlyList<Finding>> RunAsync(RuleContext context, CancellationToken cancellationToken)
    {
        // Built, never started: the endpoint table is all we read.
        var (app, _) = ViatiqueApp.Create([]);
        var sources = ((IEndpointRouteBuilder)app).DataSources;
        IReadOnlyList<Finding> findings =
        [
            .. AnonymousEndpoints.Unexpected(sources, context.IsDevelopment).Select(e => new Finding(Id, Severity.Error, "(endpoints)",
                $"{e.Methods} {e.Route} allows anonymous access but is not on the allowlist",
                "remove AllowAnonymous() from it, or add it to Auth/AnonymousEndpoints.Allowlist with a reason")),
        ];
        return Task.FromResult(findings);
    }
}
