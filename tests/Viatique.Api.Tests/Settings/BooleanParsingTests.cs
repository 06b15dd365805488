using Viatique.Api.Settings;

namespace Viatique.Api.Tests.Settings;

public class BooleanParsingTests
{
    [Theory]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("TRUE", true)]
    [InlineData("1", true)]
    [InlineData("yes", true)]
    [InlineData("On", true)]
    [InlineData("false", false)]
    [InlineData("False", false)]
    [InlineData("0", false)]
    [InlineData("no", false)]
    [InlineData("OFF", false)]
    [InlineData(" true ", true)]
    public void AcceptsTheDocumentedSpellings(string text, bool expected)
    {
        Assert.True(SettingsReader.TryParseBoolean(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("ture")]
    [InlineData("2")]
    [InlineData("y")]
    [InlineData("enabled")]
    [InlineData("-")]
    public void RejectsAnythingElse(string text) => Assert.False(SettingsReader.TryParseBoolean(text, out _));

    [Fact]
    public void MalformedBooleanIsAnErrorNamingTheVariableNotASilentFalse()
    {
        var settings = Env.Read(Env.With(("SESSION_COOKIE_SECURE", "nope")));

        var problem = Assert.Single(settings.Problems);
        Assert.Equal(("VIQ-E090", "SESSION_COOKIE_SECURE"), (problem.RuleId, problem.Variable));
        Assert.True(settings.SessionCookieSecure);
    }

    [Fact]
    public void SecureFlagsDefaultToTrueOutsideDevelopmentAndFalseInside()
    {
        var production = Env.Read(Env.Production);
        var development = Env.Read(new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Development" });

        Assert.True(production.SslEnabled && production.SessionCookieSecure && production.CsrfCookieSecure);
        Assert.False(development.SslEnabled || development.SessionCookieSecure || development.CsrfCookieSecure);
    }
}
