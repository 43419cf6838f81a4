using System.Net;
using System.Net.Sockets;

namespace AgentDispatch.Notifications;

/// <summary>
/// The addresses a subscriber may not be reached at unless private networks are allowed: everything that is not the
/// public internet, so a subscriber URL cannot be pointed at the app's own network, its loopback services or the
/// cloud metadata endpoint (169.254.169.254).
/// </summary>
internal static class SubscriberAddresses
{
    /// <summary>Null for a public address, else what kind of address it is ("a private address (RFC 1918)").</summary>
    public static string? Problem(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => ProblemV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => ProblemV6(address),
            _ => "not an IP address",
        };
    }

    private static string? ProblemV4(ReadOnlySpan<byte> b) => b switch
    {
        [0, ..] => "an unspecified address (0.0.0.0/8)",
        [127, ..] => "a loopback address (127.0.0.0/8)",
        [10, ..] => "a private address (RFC 1918)",
        [172, >= 16 and <= 31, ..] => "a private address (RFC 1918)",
        [192, 168, ..] => "a private address (RFC 1918)",
        [100, >= 64 and <= 127, ..] => "a carrier-grade NAT address (100.64.0.0/10)",
        [169, 254, ..] => "a link-local address (169.254.0.0/16, where cloud metadata endpoints live)",
        [>= 224 and <= 239, ..] => "a multicast address (224.0.0.0/4)",
        [>= 240, ..] => "a reserved or broadcast address (240.0.0.0/4)",
        _ => null,
    };

    private static string? ProblemV6(IPAddress address)
    {
        if (address.Equals(IPAddress.IPv6Any))
        {
            return "an unspecified address (::)";
        }

        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return "a loopback address (::1)";
        }

        if (address.IsIPv6LinkLocal)
        {
            return "a link-local address (fe80::/10)";
        }

        if (address.IsIPv6UniqueLocal)
        {
            return "a unique local (private) address (fc00::/7)";
        }

        if (address.IsIPv6SiteLocal)
        {
            return "a site-local (private) address (fec0::/10)";
        }

        if (address.IsIPv6Multicast)
        {
            return "a multicast address (ff00::/8)";
        }

        // Forms that carry an IPv4 address inside: judged by the address they lead to.
        var b = address.GetAddressBytes();
        ReadOnlySpan<byte> embedded = b switch
        {
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ..] => b.AsSpan(12, 4), // IPv4-compatible ::a.b.c.d (deprecated)
            [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, ..] => b.AsSpan(12, 4), // NAT64 64:ff9b::/96
            [0x20, 0x02, ..] => b.AsSpan(2, 4), // 6to4 2002::/16
            _ => [],
        };
        return embedded.IsEmpty ? null : ProblemV4(embedded) is { } kind ? $"an IPv6 address that leads to {kind}" : null;
    }
}
