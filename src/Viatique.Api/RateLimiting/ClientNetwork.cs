using System.Net;

namespace Viatique.Api.RateLimiting;

/// <summary>
/// Who a client is for limits: an IPv4 address, or an IPv6 client's /64 (one customer's network:
/// an ISP hands out at least a /64, and a host picks any address inside it at will).
/// </summary>
public static class ClientNetwork
{
    /// <summary>The key of the client's address (IPv4 /32, IPv6 /64; IPv4-mapped IPv6 counts as IPv4).</summary>
    public static string Of(IPAddress? address) => Of(address, ipv4PrefixLength: 32);

    /// <summary>The key of a wider network: IPv4 /<paramref name="ipv4PrefixLength"/>, IPv6 /64.</summary>
    public static string Of(IPAddress? address, int ipv4PrefixLength)
    {
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        var prefix = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 64 : ipv4PrefixLength;
        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }
        var network = new IPAddress(bytes).ToString();
        return prefix == bytes.Length * 8 ? network : $"{network}/{prefix}";
    }
}
