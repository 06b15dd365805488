using Viatique.Api.Commands;

namespace Viatique.Api.Tests.Commands;

public class ViatiqueCliTests
{
    [Theory]
    [InlineData("check")]
    [InlineData("check --deploy --json")]
    [InlineData("--help")]
    [InlineData("serve --help")]
    public void VerbsAndHelpGoToTheCli(string args) => Assert.True(ViatiqueCli.IsVerb(Split(args)));

    [Theory]
    [InlineData("")]
    [InlineData("serve")]
    [InlineData("--environment=Development")]
    [InlineData("--urls http://127.0.0.1:0")]
    public void EverythingElseIsServe(string args) => Assert.False(ViatiqueCli.IsVerb(Split(args)));

    static string[] Split(string args) => args.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void ExplicitServeIsDroppedFromTheHostArguments() =>
        Assert.Equal(["--urls=http://127.0.0.1:9"], ViatiqueCli.ServeArguments(["serve", "--urls=http://127.0.0.1:9"]));
}
