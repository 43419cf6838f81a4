using System.Net.Sockets;

namespace AgentDispatch.Dispatch;

/// <summary>
/// Opens connections to VideoSDK with a time limit that fails the way a refused connection does.
/// <c>SocketsHttpHandler.ConnectTimeout</c> surfaces as a bare cancellation, indistinguishable from
/// a request that timed out after it was sent; a timeout thrown from a connect callback surfaces as
/// <see cref="HttpRequestError.ConnectionError"/>, which the retry policy knows sent nothing.
/// </summary>
public static class VideoSdkConnections
{
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> Connect(TimeSpan timeout)
        => async (context, cancellationToken) =>
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, limit.Token).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                throw new TimeoutException($"No connection within {timeout.TotalSeconds:0.#} s.");
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
}
