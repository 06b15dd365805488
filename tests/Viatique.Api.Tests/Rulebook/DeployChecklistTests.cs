using Viatique.Api.Settings.Rulebook;
using Viatique.Api.Settings.Rulebook.Deploy;

namespace Viatique.Api.Tests.Rulebook;

public class DeployChecklistTests
{
    sealed class Hangs : IDeployCheck
    {
        public string Id => "VIQ-E199";
        public string Title => "a check that never answers";
        public async Task<IReadOnlyList<Finding>> RunAsync(RuleContext context, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return [];
        }
    }

    [Fact]
    public async Task ChecksNotYetBuiltAreListedAsNotYetAvailableWithoutFailing()
    {
        var context = new RuleContext(Env.Read(Env.Production), DateTimeOffset.UtcNow);
        var unavailable = DeployChecklist.Checks(null).OfType<NotYetAvailable>().ToList();
        var report = await DeployChecklist.RunAsync(ViatiqueRulebook.Evaluate(context), context, unavailable, TestContext.Current.CancellationToken);

        Assert.False(report.HasErrors);
        Assert.Equal(unavailable.Count, report.Findings.Count(f => f.Severity == Severity.Info && f.Message.StartsWith("not yet available", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AHangingCheckBecomesAnErrorAfterItsTimeout()
    {
        var context = new RuleContext(Env.Read(Env.Production), DateTimeOffset.UtcNow);
        using var overall = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var report = await DeployChecklist.RunAsync(new RulebookReport(context.Environment, []), context, [new Hangs()], overall.Token, TimeSpan.FromMilliseconds(200));

        Assert.Equal("VIQ-E199", Assert.Single(report.Errors).Id);
    }
}
