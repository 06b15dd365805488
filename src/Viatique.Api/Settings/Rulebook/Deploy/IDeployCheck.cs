namespace Viatique.Api.Settings.Rulebook.Deploy;

/// <summary>
/// An operational check of <c>check --deploy</c> (rulebook §9.1/§10): it may do I/O, such as
/// reaching the database or reading the TLS certificate, and is bounded by the token.
/// </summary>
public interface IDeployCheck
{
    string Id { get; }

    /// <summary>What the check verifies, shown when it passes or is unavailable.</summary>
    string Title { get; }

    /// <summary>
    /// The check this one needs to have passed (the migrations need a reachable database). When
    /// that one reported an error, this one is skipped at once instead of waiting on the same
    /// unreachable service again.
    /// </summary>
    string? Requires => null;

    Task<IReadOnlyList<Finding>> RunAsync(RuleContext context, CancellationToken cancellationToken);
}

/// <summary>A deploy check that cannot run because a startup rule already failed for its variable.</summary>
public sealed class Skipped(string id, string variable, string title) : IDeployCheck
{
    public string Id => id;
    public string Title => title;

    public Task<IReadOnlyList<Finding>> RunAsync(RuleContext context, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Finding>>(
            [new Finding(id, Severity.Info, variable, $"skipped: {title} (fix the {variable} error above first)", $"set a usable {variable}")]);
}
