using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace AgentDispatch.Testing.Webhooks;

/// <summary>How a <see cref="StandardWebhookSubscriber"/> answers a delivery whose signature verified.</summary>
public enum SubscriberMode
{
    /// <summary>200.</summary>
    Normal,

    /// <summary>
    /// A fraction (<see cref="StandardWebhookSubscriber.FailureRate"/>) of deliveries, drawn from a seeded
    /// <see cref="Random"/>, fail: half 500, half 503 with <c>Retry-After</c>; the rest 200.
    /// </summary>
    FailSome,

    /// <summary>410 Gone.</summary>
    Gone,

    /// <summary>302 to <see cref="StandardWebhookSubscriber.RedirectTo"/>.</summary>
    Redirect,

    /// <summary>200 after <see cref="StandardWebhookSubscriber.SlowDelay"/> (or when the sender gives up).</summary>
    Slow,

    /// <summary>200 with a body of <see cref="StandardWebhookSubscriber.HugeBytes"/>, written until the sender stops reading.</summary>
    Huge,
}

/// <summary>One delivery as the subscriber received it.</summary>
/// <param name="Verified">Whether the StandardWebhooks reference library accepted its signature and timestamp.</param>
/// <param name="VerificationError">The library's reason when it did not.</param>
/// <param name="Status">What the subscriber answered (401 when the signature did not verify).</param>
public sealed record SubscriberDelivery(
    string? WebhookId, string? Timestamp, string? Signature, byte[] Body, bool Verified, string? VerificationError, int Status, DateTimeOffset ReceivedAt)
{
    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// A webhook subscriber on http://127.0.0.1 (a real Kestrel server) that verifies every delivery with the
/// StandardWebhooks reference library, as a subscriber would, records each one, and answers as its
/// <see cref="Mode"/> says. It can go down and come back on the same port, so a retry meets a closed port.
/// </summary>
/// <remarks>
/// The library checks <c>webhook-timestamp</c> against the wall clock (5 minutes either way), so deliveries must be
/// stamped with real time, not a fake clock far from it. A sender reaches this subscriber only with
/// <c>AllowPrivateNetworks</c> on: it is on loopback.
/// </remarks>
public sealed class StandardWebhookSubscriber : IAsyncDisposable
{
    private readonly ConcurrentQueue<SubscriberDelivery> _deliveries = new();
    private readonly StandardWebhook _verifier;
    private readonly Random _random;
    private readonly Lock _randomLock = new();
    private readonly SemaphoreSlim _upDown = new(1, 1);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication? _app;
    private long _hugeBytesWritten;
    private int _hugeAnswersCut;

    private StandardWebhookSubscriber(string secret, int seed)
    {
        Secret = secret;
        _verifier = new StandardWebhook(secret);
        _random = new Random(seed);
    }

    /// <summary>The secret deliveries must be signed with (<c>whsec_...</c>).</summary>
    public string Secret { get; }

    public int Port { get; private set; }

    /// <summary>Where to deliver: <c>http://127.0.0.1:{port}/webhooks</c>, the same after a restart.</summary>
    public Uri Url => new($"http://127.0.0.1:{Port}/webhooks");

    public bool IsUp => Volatile.Read(ref _app) is not null;

    public SubscriberMode Mode { get; set; } = SubscriberMode.Normal;

    /// <summary>For <see cref="SubscriberMode.FailSome"/>: the share of deliveries that fail, 0 to 1.</summary>
    public double FailureRate { get; set; } = 0.3;

    /// <summary>The <c>Retry-After</c> seconds sent with a 503.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    public TimeSpan SlowDelay { get; set; } = TimeSpan.FromSeconds(60);

    public long HugeBytes { get; set; } = 256L * 1024 * 1024;

    public Uri? RedirectTo { get; set; }

    /// <summary>How much of the huge answers the server managed to write before the sender stopped reading.</summary>
    public long HugeBytesWritten => Interlocked.Read(ref _hugeBytesWritten);

    /// <summary>Huge answers the sender cut off (the connection closed before the whole body was written).</summary>
    public int HugeAnswersCut => Volatile.Read(ref _hugeAnswersCut);

    /// <summary>Every delivery received, in arrival order (including those that failed verification or were answered with a failure).</summary>
    public IReadOnlyList<SubscriberDelivery> Deliveries => [.. _deliveries];

    /// <summary>The distinct <c>webhook-id</c>s of the deliveries that verified.</summary>
    public IReadOnlySet<string> DistinctIds
        => _deliveries.Where(d => d.Verified && d.WebhookId is not null).Select(d => d.WebhookId!).ToHashSet(StringComparer.Ordinal);

    /// <summary>A new secret in the <c>whsec_</c> form, 32 random bytes.</summary>
    public static string NewSecret() => "whsec_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <param name="secret">The signing secret; a fresh one when null.</param>
    /// <param name="seed">Seeds the failures of <see cref="SubscriberMode.FailSome"/>, so a run can be repeated.</param>
    public static async Task<StandardWebhookSubscriber> StartAsync(string? secret = null, int seed = 11)
    {
        var subscriber = new StandardWebhookSubscriber(secret ?? NewSecret(), seed);
        await subscriber.BringUpAsync().ConfigureAwait(false);
        return subscriber;
    }

    /// <summary>Stops listening: deliveries meet a closed port (connection refused) until <see cref="BringUpAsync"/>.</summary>
    public async Task TakeDownAsync()
    {
        await _upDown.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Interlocked.Exchange(ref _app, null) is { } app)
            {
                await app.StopAsync().ConfigureAwait(false);
                await app.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _upDown.Release();
        }
    }

    /// <summary>Listens again, on the same port as before.</summary>
    public async Task BringUpAsync()
    {
        await _upDown.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_app is not null)
            {
                return;
            }

            // Right after a stop the port can still be held for a moment; try again briefly before giving up.
            for (var attempt = 1; ; attempt++)
            {
                var app = Build(Port);
                try
                {
                    await app.StartAsync().ConfigureAwait(false);
                    Port = new Uri(app.Urls.First()).Port;
                    Volatile.Write(ref _app, app);
                    return;
                }
                catch (IOException) when (attempt < 50)
                {
                    await app.DisposeAsync().ConfigureAwait(false);
                    await Task.Delay(100).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _upDown.Release();
        }
    }

    /// <summary>
    /// Waits until <paramref name="predicate"/> holds for the deliveries so far and returns them; throws
    /// <see cref="TimeoutException"/> (saying what did arrive) when it does not within <paramref name="timeout"/>.
    /// </summary>
    public async Task<IReadOnlyList<SubscriberDelivery>> WaitForAsync(Func<IReadOnlyList<SubscriberDelivery>, bool> predicate, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task;
            var deliveries = Deliveries;
            if (predicate(deliveries))
            {
                return deliveries;
            }

            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException(
                    $"The subscriber's deliveries did not match within {timeout}: {deliveries.Count} received, {DistinctIds.Count} distinct verified ids, " +
                    $"statuses {string.Join(",", deliveries.Select(d => d.Status))}.");
            }

            // Woken by the next delivery; the short delay also re-checks a predicate that depends on time.
            await Task.WhenAny(changed, Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token)).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await TakeDownAsync().ConfigureAwait(false);
        _upDown.Dispose();
    }

    private WebApplication Build(int port)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.Run(HandleAsync);
        return app;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        var body = buffer.ToArray();
        var headers = context.Request.Headers;

        string? error = null;
        try
        {
            _verifier.Verify(Encoding.UTF8.GetString(body), headers);
        }
        catch (Exception ex) when (ex is WebhookVerificationException or FormatException or ArgumentException)
        {
            error = ex.Message;
        }

        var mode = Mode;
        var (status, retryAfter) = error is not null ? (StatusCodes.Status401Unauthorized, (int?)null) : Decide(mode);
        Record(new SubscriberDelivery(
            headers["webhook-id"].ToString() is { Length: > 0 } id ? id : null,
            headers["webhook-timestamp"].ToString() is { Length: > 0 } timestamp ? timestamp : null,
            headers["webhook-signature"].ToString() is { Length: > 0 } signature ? signature : null,
            body, error is null, error, status, DateTimeOffset.UtcNow));

        context.Response.StatusCode = status;
        if (retryAfter is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (error is not null)
        {
            return;
        }

        switch (mode)
        {
            case SubscriberMode.Redirect when RedirectTo is { } target:
                context.Response.Headers.Location = target.AbsoluteUri;
                break;
            case SubscriberMode.Slow:
                try
                {
                    await Task.Delay(SlowDelay, context.RequestAborted).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // The sender gave up waiting, which is what a slow subscriber test expects.
                }

                break;
            case SubscriberMode.Huge:
                await WriteHugeAsync(context).ConfigureAwait(false);
                break;
        }
    }

    private (int Status, int? RetryAfter) Decide(SubscriberMode mode)
    {
        switch (mode)
        {
            case SubscriberMode.FailSome:
                bool fail, unavailable;
                lock (_randomLock)
                {
                    fail = _random.NextDouble() < FailureRate;
                    unavailable = _random.Next(2) == 0;
                }

                return !fail ? (200, null) : unavailable ? (503, RetryAfterSeconds) : (500, null);
            case SubscriberMode.Gone:
                return (410, null);
            case SubscriberMode.Redirect:
                return (302, null);
            default:
                return (200, null);
        }
    }

    private async Task WriteHugeAsync(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)'x');
        var remaining = HugeBytes;
        try
        {
            // Kestrel completes writes to a connection the client closed without an error (and RequestAborted can
            // lag behind): the pipe saying its reader completed is what says the sender stopped reading.
            while (remaining > 0 && !context.RequestAborted.IsCancellationRequested)
            {
                var size = (int)Math.Min(chunk.Length, remaining);
                var flushed = await context.Response.BodyWriter.WriteAsync(chunk.AsMemory(0, size), context.RequestAborted).ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    break;
                }

                Interlocked.Add(ref _hugeBytesWritten, size);
                remaining -= size;

                // Writes into a closed connection complete at once; yielding lets the abort notice get through.
                await Task.Yield();
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Cut off mid-write: counted below.
        }

        if (remaining > 0)
        {
            Interlocked.Increment(ref _hugeAnswersCut);
            context.Abort();
        }
    }

    private void Record(SubscriberDelivery delivery)
    {
        _deliveries.Enqueue(delivery);
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}
