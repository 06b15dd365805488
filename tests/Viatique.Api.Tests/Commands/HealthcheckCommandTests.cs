using Viatique.Api.Commands;

namespace Viatique.Api.Tests.Commands;

public class HealthcheckCommandTests
{
    [Theory]
    [InlineData(null, "http://localhost:8000/health/")]
    [InlineData("http://0.0.0.0:8000", "http://127.0.0.1:8000/health/")]
    [InlineData("http://+:8080;https://+:8443", "http://127.0.0.1:8080/health/")]
    [InlineData("http://[::]:8000/", "http://127.0.0.1:8000/health/")]
    [InlineData("http://127.0.0.1:5123", "http://127.0.0.1:5123/health/")]
    [InlineData("http://[::1]:5123", "http://[::1]:5123/health/")]
    public void ProbesTheFirstListeningAddressThroughLoopback(string? urls, string expected) =>
        Assert.Equal(expected, HealthcheckCommand.LocalHealthUrl(urls));
}
