using System.Net;
using Viatique.Api.Hosting;

namespace Viatique.Api.Tests.Hosting;

public class TrustedProxiesTests
{
    static readonly TrustedProxies Proxies = new(["172.28.0.0/24", "127.0.0.1", "fd00::/8"]);

    [Theory]
    [InlineData("172.28.0.5", true)]
    [InlineData("172.28.1.5", false)]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.0.0.2", false)]
    [InlineData("::ffff:172.28.0.9", true)]
    [InlineData("fd12::1", true)]
    [InlineData("2001:db8::1", false)]
    public void TrustsListedAddressesAndNetworksOnly(string address, bool trusted) =>
        Assert.Equal(trusted, Proxies.Contains(IPAddress.Parse(address)));

    [Fact]
    public void NoPeerIsNeverTrusted() => Assert.False(Proxies.Contains(null));
}
