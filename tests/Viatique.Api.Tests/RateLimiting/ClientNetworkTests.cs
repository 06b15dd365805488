using System.Net;
using Viatique.Api.RateLimiting;

namespace Viatique.Api.Tests.RateLimiting;

public class ClientNetworkTests
{
    [Theory]
    [InlineData("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64")]
    [InlineData("192.0.2.7", "192.0.2.7")]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7")]
    public void IPv6ClientsAreKeyedByTheirSlash64AndIPv4ByAddress(string address, string key) =>
        Assert.Equal(key, ClientNetwork.Of(IPAddress.Parse(address)));

    [Fact]
    public void RotatingThroughASlash64StaysOneClient() =>
        Assert.Equal(ClientNetwork.Of(IPAddress.Parse("2001:db8:5:6::1")), ClientNetwork.Of(IPAddress.Parse("2001:db8:5:6:1234:5678:9abc:def0")));

    [Fact]
    public void NeighbouringSlash64sAreDifferentClients() =>
        Assert.NotEqual(ClientNetwork.Of(IPAddress.Parse("2001:db8:5:6::1")), ClientNetwork.Of(IPAddress.Parse("2001:db8:5:7::1")));

    [Fact]
    public void LockoutNetworksAreIPv4Slash24() =>
        Assert.Equal("203.0.113.0/24", ClientNetwork.Of(IPAddress.Parse("203.0.113.77"), 24));

    [Fact]
    public void NoAddressIsUnknown() => Assert.Equal("unknown", ClientNetwork.Of(null));
}
