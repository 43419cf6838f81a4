using System.Net;
using System.Net.Sockets;

namespace AgentDispatch.Notifications;

/// <summary>Resolves a host name to its addresses; <see cref="Dns"/> unless a test puts in its own.</summary>
internal delegate Task<IPAddress[]> ResolveHost(string host, CancellationToken cancellationToken);

/// <summary>A subscriber's host resolved to an address that is not allowed; nothing was sent.</summary>
internal sealed class SubscriberAddressRefusedException(string message) : IOException(message);

/// <summary>
/// Opens connections to subscribers, enforcing the address rule at connect time. The host is resolved here, every
/// address it resolves to is checked, and the socket connects to one of those checked addresses: nothing resolves the
/// name again in between, so a DNS answer that changes (rebinding) cannot slip a private address past the check.
/// A name with any disallowed address is refused outright, even if it also has public ones: that is a misconfigured
/// name or a trick, and trying only the public ones would make delivery depend on the order of the answer.
/// </summary>
internal static class SubscriberConnections
{
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> Connect(bool allowPrivateNetworks, ResolveHost resolve)
        => async (context, cancellationToken) =>
        {
            var host = context.DnsEndPoint.Host.Trim('[', ']');
            var addresses = IPAddress.TryParse(host, out var literal)
                ? [literal]
                : await resolve(host, cancellationToken).ConfigureAwait(false);
            if (addresses.Length == 0)
            {
                throw new SocketException((int)SocketError.HostNotFound);
            }

            if (!allowPrivateNetworks)
            {
                foreach (var address in addresses)
                {
                    if (SubscriberAddresses.Problem(address) is { } kind)
                    {
                        throw new SubscriberAddressRefusedException(
                            $"{host} resolves to {address}, {kind}; such addresses are refused unless private networks are allowed (Notifications:AllowPrivateNetworks)");
                    }
                }
            }

            SocketException? last = null;
            foreach (var address in addresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch (SocketException ex)
                {
                    socket.Dispose();
                    last = ex;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }

            throw last!;
        };
}
