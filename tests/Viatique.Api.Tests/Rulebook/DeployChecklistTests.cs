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

    sealed class Fails(string id) : IDeployCheck
    {
        public string Id => id;
        public string Title => "a service that is down";
        public Task<IReadOnlyList<Finding>> RunAsync(RuleContext context, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<Finding>>([new Finding(Id, Severity.Error, "DATABASE_URL", "down", "start it")]);
    }

    sealed class HangsAfter(string required) : IDeployCheck
    {
        public string Id => "VIQ-E198";
        public string Title => "a check on the same service";
        public string? Requires => required;
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

    [Fact]
    public async Task ACheckWhoseRequiredCheckFailedIsSkippedWithoutWaiting()
    {
        var context = new RuleContext(Env.Read(Env.Production), DateTimeOffset.UtcNow);
        using var overall = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // The dependent check would hang for the whole (one-hour) limit if it ran.
        var report = await DeployChecklist.RunAsync(new RulebookReport(context.Environment, []), context,
            [new Fails("VIQ-E197"), new HangsAfter("VIQ-E197")], overall.Token, TimeSpan.FromHours(1));

        Assert.Equal("VIQ-E197", Assert.Single(report.Errors).Id);
        var skipped = Assert.Single(report.Findings, f => f.Id == "VIQ-E198");
        Assert.Equal(Severity.Info, skipped.Severity);
        Assert.Contains("needs VIQ-E197, which failed", skipped.Message);
    }

    [Fact]
    public void TheMigrationAndKeyAgeChecksNeedTheDatabaseCheck()
    {
        Assert.Equal("VIQ-E100", new NoPendingMigrations(null!).Requires);
        Assert.Equal("VIQ-E100", new SecretKeyAge(null!).Requires);
        Assert.Null(((IDeployCheck)new RedisReachable()).Requires);
    }
}
