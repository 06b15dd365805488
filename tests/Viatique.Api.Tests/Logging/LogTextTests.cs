using Viatique.Api.Logging;

namespace Viatique.Api.Tests.Logging;

public class LogTextTests
{
    [Theory]
    [InlineData("alice\r\n{\"levelname\":\"INFO\"}", "alice{\"levelname\":\"INFO\"}")]
    [InlineData("bob\u0000\u001b[31m", "bob[31m")]
    [InlineData("carol\u202Egnp.exe", "carolgnp.exe")]
    [InlineData("dave\u200B\u2066x\u2069", "davex")]
    [InlineData("plain", "plain")]
    [InlineData(null, "")]
    public void StripsControlAndBidiCharacters(string? value, string expected) => Assert.Equal(expected, LogText.Clean(value));

    [Fact]
    public void TruncatesLongValuesVisibly()
    {
        var cleaned = LogText.Clean(new string('x', 500), 64);
        Assert.Equal(new string('x', 64) + "…", cleaned);
    }
}
