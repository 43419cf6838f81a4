using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using AgentDispatch.VideoSdkEmulator.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentDispatch.VideoSdkEmulator.Webhooks;

/// <summary>
/// Signs and posts webhooks in the background, each room's one at a time in the order its events happened, so a
/// receiver sees <c>session-started</c> before the <c>participant-joined</c> it caused. Nothing here
/// throws into the caller: a failed delivery is recorded, retried, and at last counted as failed.
/// </summary>
internal sealed class WebhookSender : IDisposable
{
    public const string SignatureHeader = "videosdk-signature";
    public const int MaxAttempts = 3;

    private const int MaxRecords = 100_000;
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Deliveries of one room go out one at a time, in the order they happened; rooms are spread over
    /// a few lanes, so that one slow receiver or a burst of joins does not hold every room's events back.
    /// </summary>
    private const int Lanes = 8;

    private readonly Channel<Outgoing>[] _lanes = [.. Enumerable.Range(0, Lanes).Select(_ => Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true }))];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly Queue<WebhookDelivery> _records = new();
    private readonly WebhookSigner _signer;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly IHttpClientFactory _clients;
    private bool _started;
    private long _sequence;
    private int _generation;
    private int _pending;
    private long _sent;
    private long _failed;

    /// <summary>The named client the deliveries go out on.</summary>
    public const string HttpClientName = "videosdk-emulator-webhooks";

    public WebhookSender(WebhookSigner signer, IHttpClientFactory clients, TimeProvider timeProvider, ILogger logger)
    {
        _clients = clients;
        _signer = signer;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Registers <see cref="HttpClientName"/>: one attempt's time limit, pooled connections renewed every 2 minutes.</summary>
    public static IServiceCollection AddHttpClient(IServiceCollection services)
    {
        services.AddHttpClient(HttpClientName, http => http.Timeout = AttemptTimeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });
        return services;
    }

    /// <summary>Events queued or being delivered right now.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Events a receiver accepted (2xx).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Events given up on: refused with a 4xx other than 408/429, or still failing after the last attempt.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public IReadOnlyList<WebhookDelivery> Deliveries
    {
        get
        {
            lock (_gate)
            {
                return _records.ToArray();
            }
        }
    }

    public void Enqueue(string url, WebhookPayload payload)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(payload, EmulatorJsonContext.Wire.WebhookPayload);
        var item = new Outgoing(url, payload.WebhookType, payload.Data.MeetingId, body, Volatile.Read(ref _generation));
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            if (!_started)
            {
                // Started on the first event, not at start-up: most emulators never send a webhook.
                _started = true;
                foreach (var lane in _lanes)
                {
                    _ = Task.Run(() => RunAsync(lane.Reader));
                }
            }

            Interlocked.Increment(ref _pending);
            _lanes[(int)((uint)StringComparer.Ordinal.GetHashCode(item.MeetingId) % Lanes)].Writer.TryWrite(item);
        }
    }

    /// <summary>Forgets the records and counts; events queued before are not sent.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _generation++;
            _records.Clear();
            Interlocked.Exchange(ref _sent, 0);
            Interlocked.Exchange(ref _failed, 0);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            // The source is cancelled and left for the collector: the loop may still be reading its token.
            _stopping.Cancel();
            foreach (var lane in _lanes)
            {
                lane.Writer.TryComplete();
            }

        }
    }

    private async Task RunAsync(ChannelReader<Outgoing> lane)
    {
        var stopping = _stopping.Token;
        try
        {
            await foreach (var item in lane.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                try
                {
                    if (item.Generation == Volatile.Read(ref _generation))
                    {
                        await DeliverAsync(item, stopping).ConfigureAwait(false);
                    }
                }
                finally
                {
                    Interlocked.Decrement(ref _pending);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Log.WebhookLoopFailed(_logger, ex);
        }
    }

    private async Task DeliverAsync(Outgoing item, CancellationToken stopping)
    {
        var signature = _signer.Sign(item.Body);

        // Retrying a POST can deliver an event twice; so can VideoSDK, whose webhooks carry no event id:
        // receivers must be idempotent either way, and the retries let a test check that they are.
        for (var attempt = 1; ; attempt++)
        {
            var (status, error) = await SendOnceAsync(item, signature, stopping).ConfigureAwait(false);
            if (!Record(item, attempt, status, error))
            {
                return;
            }

            if (status is >= 200 and < 300)
            {
                Interlocked.Increment(ref _sent);
                Log.WebhookDelivered(_logger, item.WebhookType, item.MeetingId, attempt, status.Value);
                return;
            }

            Log.WebhookAttemptFailed(_logger, item.WebhookType, item.MeetingId, attempt, MaxAttempts, error ?? $"status {status}");
            if (attempt == MaxAttempts || !IsTransient(status))
            {
                Interlocked.Increment(ref _failed);
                return;
            }

            await Task.Delay(FirstBackoff * (1 << (attempt - 1)), _timeProvider, stopping).ConfigureAwait(false);
        }
    }

    private async Task<(int? Status, string? Error)> SendOnceAsync(Outgoing item, string signature, CancellationToken stopping)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, item.Url) { Content = new ByteArrayContent(item.Body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(SignatureHeader, signature);
        try
        {
            using var response = await _clients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stopping).ConfigureAwait(false);
            return ((int)response.StatusCode, null);
        }
        catch (HttpRequestException ex)
        {
            return (null, ex.Message);
        }
        catch (TaskCanceledException) when (!stopping.IsCancellationRequested)
        {
            return (null, $"No answer within {AttemptTimeout.TotalSeconds:0} s.");
        }
    }

    /// <summary>Records one attempt; false when a reset came meanwhile and the event is to be forgotten.</summary>
    private bool Record(Outgoing item, int attempt, int? status, string? error)
    {
        lock (_gate)
        {
            if (item.Generation != _generation)
            {
                return false;
            }

            if (_records.Count >= MaxRecords)
            {
                _records.Dequeue();
            }

            _records.Enqueue(new WebhookDelivery(
                ++_sequence, _timeProvider.GetUtcNow(), item.Url, item.WebhookType, Encoding.UTF8.GetString(item.Body), attempt, status, error));
            return true;
        }
    }

    // As the usual retry policies judge: no answer, a timeout, throttling or a server error may pass.
    private static bool IsTransient(int? status) => status is null or 408 or 429 or >= 500;

    private sealed record Outgoing(string Url, string WebhookType, string MeetingId, byte[] Body, int Generation);
}
