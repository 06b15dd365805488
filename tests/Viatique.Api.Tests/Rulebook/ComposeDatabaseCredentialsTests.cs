using Viatique.Api.Settings.Rulebook;
using Viatique.Api.Settings.Rulebook.Deploy;

namespace Viatique.Api.Tests.Rulebook;

public class ComposeDatabaseCredentialsTests
{
    static async Task<IReadOnlyList<Finding>> RunAsync(string databaseUrl, Dictionary<string, string> postgres)
    {
        var context = new RuleContext(Env.Read(Env.With(("DATABASE_URL", databaseUrl))), DateTimeOffset.UtcNow);
        return await new ComposeDatabaseCredentials(name => postgres.GetValueOrDefault(name)).RunAsync(context, TestContext.Current.CancellationToken);
    }

    static readonly Dictionary<string, string> Db = new() { ["POSTGRES_USER"] = "viatique", ["POSTGRES_PASSWORD"] = "s3cret", ["POSTGRES_DB"] = "viatique" };

    [Fact]
    public async Task AgreeingCredentialsPass() =>
        Assert.Empty(await RunAsync("postgresql://viatique:s3cret@db:5432/viatique", Db));

    [Fact]
    public async Task WithoutPostgresVariablesThereIsNothingToCompare() =>
        Assert.Empty(await RunAsync("postgresql://other:pw@managed.example.com:5432/app", []));

    [Fact]
    public async Task EachDisagreementIsNamedAndThePasswordIsNeverShown()
    {
        var finding = Assert.Single(await RunAsync("postgresql://app:wrongpass@db:5432/appdb", Db));
        Assert.Equal("VIQ-E106", finding.Id);
        Assert.Equal(Severity.Error, finding.Severity);
        Assert.Contains("user (app in DATABASE_URL, viatique in POSTGRES_USER)", finding.Message, StringComparison.Ordinal);
        Assert.Contains("password (values not shown)", finding.Message, StringComparison.Ordinal);
        Assert.Contains("database (appdb in DATABASE_URL, viatique in POSTGRES_DB)", finding.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", finding.Message + finding.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain("wrongpass", finding.Message + finding.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThePostgresImageDefaultsAreUnderstood() =>
        Assert.Empty(await RunAsync("postgresql://postgres:pw@db:5432/postgres", new() { ["POSTGRES_PASSWORD"] = "pw" }));
}
