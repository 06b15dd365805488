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
    public void EveryChecklistItemIsARealCheck()
    {
        var ids = DeployChecklist.Checks(null).Select(c => c.Id).ToList();

        Assert.Equal(["VIQ-E100", "VIQ-E101", "VIQ-E102", "VIQ-E106", "VIQ-E103", "VIQ-E104", "VIQ-E105"], ids);
        Assert.Contains(DeployChecklist.Checks(null), c => c is TlsCertificateValid);
        Assert.Contains(DeployChecklist.Checks(null), c => c is BackupsRecent);
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
