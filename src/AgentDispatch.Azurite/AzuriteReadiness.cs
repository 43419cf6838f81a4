using System.Diagnostics;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace AgentDispatch.Azurite;

/// <summary>
/// Waits until a starting Azurite serves: queues and tables when the Storage SDK's own clients get an
/// answer from them (a signed request, as the app makes), blobs when the port accepts connections
/// (the app uses no blobs).
/// </summary>
internal sealed class AzuriteReadiness(string connectionString, int blobPort, int queuePort, int tablePort)
{
    /// <summary>
    /// Bounds only an Azurite that stays alive and never answers (one that exits, say on a taken port,
    /// fails at once). A healthy start takes seconds on an idle machine but 35-40 s on two cores at load
    /// average 20 (measured), when node competes for CPU: the limit must not fail a start that is
    /// merely slow.
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <exception cref="IOException"><paramref name="process"/> exited before it was ready.</exception>
    /// <exception cref="TimeoutException">No answer within <see cref="Timeout"/>.</exception>
    public async Task WaitAsync(Process process, OutputTail output, CancellationToken ct)
    {
        // One try per probe, short timeouts, and no proxy: a configured HTTP_PROXY must not see
        // loopback traffic.
        using var handler = new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(1) };
        using var transport = new HttpClientTransport(handler);
        var queues = new QueueServiceClient(connectionString, Probe(new QueueClientOptions(), transport));
        var tables = new TableServiceClient(connectionString, Probe(new TableClientOptions(), transport));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(Timeout);
        var queueUp = false;
        var tableUp = false;
        var blobUp = false;
        try
        {
            while (true)
            {
                if (process.HasExited)
                {
                    throw new IOException(
                        $"Azurite exited with code {process.ExitCode} before it was ready (ports {blobPort}, {queuePort}, {tablePort} may be taken). Its last output:{Environment.NewLine}{output}");
                }

                queueUp = queueUp || await AnswersAsync(() => queues.GetPropertiesAsync(deadline.Token), deadline.Token).ConfigureAwait(false);
                tableUp = tableUp || await AnswersAsync(() => tables.GetPropertiesAsync(deadline.Token), deadline.Token).ConfigureAwait(false);
                blobUp = blobUp || AzuriteProcess.IsListening(blobPort);
                if (queueUp && tableUp && blobUp)
                {
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"Azurite did not answer within {Timeout.TotalSeconds:F0} s (queue on {queuePort}: {(queueUp ? "up" : "no answer")}, "
                + $"table on {tablePort}: {(tableUp ? "up" : "no answer")}, blob on {blobPort}: {(blobUp ? "up" : "no answer")}). "
                + $"Its last output:{Environment.NewLine}{output}");
        }
    }

    private static T Probe<T>(T options, HttpPipelineTransport transport)
        where T : ClientOptions
    {
        options.Transport = transport;
        options.Retry.MaxRetries = 0;
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(2);
        options.Diagnostics.IsLoggingEnabled = false;
        options.Diagnostics.IsDistributedTracingEnabled = false;
        return options;
    }

    private static async Task<bool> AnswersAsync(Func<Task> probe, CancellationToken ct)
    {
        try
        {
            await probe().ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException)
        {
            return false; // not serving yet (no answer is status 0)
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false; // the network timeout: not answering yet
        }
    }
}
