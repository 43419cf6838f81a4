using System.Net;
using System.Net.Sockets;

namespace AgentDispatch.Testing;

/// <summary>Free TCP ports on 127.0.0.1 for servers that must be told their port up front.</summary>
public static class LoopbackPorts
{
    // Another process can take the port between Stop() and the caller's bind; servers that can
    // bind port 0 themselves (as KeyVaultStandIn does) avoid that race.
    public static int GetFreeTcpPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }
}
