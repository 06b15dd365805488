using Viatique.Api.Hosting;

namespace Viatique.Api.Tests.Hosting;

public class AllowedHostsTests
{
    static readonly AllowedHosts Hosts = new(["viatique.example.com", ".example.org", "127.0.0.1", "[::1]"]);

    [Theory]
    [InlineData("viatique.example.com")]
    [InlineData("VIATIQUE.Example.COM")]
    [InlineData("viatique.example.com.")]
    [InlineData("example.org")]
    [InlineData("www.example.org")]
    [InlineData("a.b.example.org")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    public void Allows(string host) => Assert.True(Hosts.Allows(host));

    [Theory]
    [InlineData("www.viatique.example.com")]
    [InlineData("example.com")]
    [InlineData("evilexample.org")]
    [InlineData("example.org.evil.net")]
    [InlineData("localhost")]
    [InlineData("")]
    public void Refuses(string host) => Assert.False(Hosts.Allows(host));

    [Fact]
    public void AWildcardNeverMatches() => Assert.False(new AllowedHosts(["*"]).Allows("anything.example.com"));
}
