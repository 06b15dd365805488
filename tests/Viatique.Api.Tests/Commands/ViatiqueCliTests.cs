using Viatique.Api.Commands;

namespace Viatique.Api.Tests.Commands;

public class ViatiqueCliTests
{
    [Theory]
    [InlineData("")]
    [InlineData("serve")]
    [InlineData("--environment=Development")]
    [InlineData("serve --urls=http://127.0.0.1:0 --contentRoot=/app")]
    public void OnlyNothingOrServeWithHostSettingsServes(string args) => Assert.True(ViatiqueCli.IsServe(Split(args), out _));

    [Theory]
    [InlineData("check")]
    [InlineData("worker")]
    [InlineData("--help")]
    [InlineData("serve --help")]
    [InlineData("serve --bogus")]
    [InlineData("migrte")]
    [InlineData("--urls http://127.0.0.1:0")]
    public void EverythingElseGoesToTheCli(string args) => Assert.False(ViatiqueCli.IsServe(Split(args), out _));

    [Fact]
    public void ExplicitServeIsDroppedFromTheHostArguments()
    {
        Assert.True(ViatiqueCli.IsServe(["serve", "--urls=http://127.0.0.1:9"], out var hostArguments));
        Assert.Equal(["--urls=http://127.0.0.1:9"], hostArguments);
    }

    [Theory]
    [InlineData("migrte", "migrate")]
    [InlineData("wroker", "worker")]
    [InlineData("shceduler", "scheduler")]
    [InlineData("createusr", "createuser")]
    [InlineData("CHECK", "check")]
    public void SuggestsTheClosestVerb(string typed, string expected) =>
        Assert.Equal(expected, ViatiqueCli.ClosestVerb(typed, ["serve", "worker", "scheduler", "migrate", "check", "createsuperuser", "createuser", "healthcheck"]));

    [Fact]
    public void SuggestsNothingForAWordFarFromEveryVerb() =>
        Assert.Null(ViatiqueCli.ClosestVerb("xyzzy", ["serve", "worker", "migrate", "check"]));

    static string[] Split(string args) => args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
