using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using AgentDispatch.Webhooks.Standard;
using Microsoft.Extensions.Logging;

namespace AgentDispatch.Notifications;

/// <summary>
/// Sends one signed Standard Webhooks delivery and says what the queue should do next. One attempt per call: retries,
/// backoff and dead-lettering are the queue's job, so the client has no resilience handler (which would also retry
/// the POST on its own schedule, outside the queue's record).
/// </summary>
/// <remarks>
/// The caller's cancellation (the host stopping) is thrown as <see cref="OperationCanceledException"/>, not turned
/// into an outcome: the queue message then reappears and the same <c>webhook-id</c> is sent again.
/// </remarks>
public sealed class WebhookSender(HttpClient http, DeliveryLimits limits, TimeProvider time, ILogger<WebhookSender> logger)
{
    private const int ExcerptBytes = 512;
    private const int ExcerptChars = 120;
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    /// <param name="webhookId">The <c>webhook-id</c>: the event's id, the same on every retry, so subscribers can drop repeats.</param>
    /// <param name="timestamp">The <c>webhook-timestamp</c> of this attempt (subscribers refuse one more than about 5 minutes off).</param>
    /// <param name="body">The exact bytes to send and sign (JSON).</param>
    public async Task<DeliveryOutcome> SendAsync(string webhookId, DateTimeOffset timestamp, ReadOnlyMemory<byte> body, SubscriberEndpoint endpoint, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(webhookId);
        ArgumentNullException.ThrowIfNull(endpoint);
        if (webhookId.Length > 256 || webhookId.Any(c => c is <= ' ' or > '~'))
        {
            throw new ArgumentException("A webhook-id is at most 256 printable ASCII characters without spaces.", nameof(webhookId));
        }

        var host = SubscriberUrls.HostOf(endpoint.Url);
        if (SubscriberUrls.Problem(endpoint.Url, limits.AllowPrivateNetworks) is { } problem)
        {
            return Refused(webhookId, host, problem);
        }

        var keys = StandardWebhookSignature.ParseSecrets(endpoint.Secret ?? string.Empty);
        if (keys.Count == 0)
        {
            return Refused(webhookId, host, "the subscriber's secret is not a whsec_ base64 key");
        }

        var unixSeconds = timestamp.ToUnixTimeSeconds();
        var signature = WebhookSigning.Sign(webhookId, unixSeconds, body.Span, keys);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint.Url.Trim(), UriKind.Absolute))
        {
            Content = new ReadOnlyMemoryContent(body),
        };
        request.Content.Headers.ContentType = Json;
        request.Headers.TryAddWithoutValidation(StandardWebhookSignature.IdHeader, webhookId);
        request.Headers.TryAddWithoutValidation(StandardWebhookSignature.TimestampHeader, unixSeconds.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(StandardWebhookSignature.SignatureHeader, signature);

        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(limits.Timeout);
        var started = Stopwatch.GetTimestamp();
        DeliveryOutcome outcome;
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token).ConfigureAwait(false);
            var excerpt = await ReadAnswerAsync(response, attempt.Token).ConfigureAwait(false);
            outcome = Classify(response, Shorten(Scrub(excerpt, endpoint.Secret, signature)));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            outcome = new(DeliveryResult.Retry, null, null, $"no answer within {limits.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            outcome = FromException(ex, host);
        }

        var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (outcome.Result == DeliveryResult.Delivered)
        {
            Log.WebhookDelivered(logger, webhookId, host, outcome.Status!.Value, elapsedMs);
        }
        else
        {
            Log.WebhookNotDelivered(logger, webhookId, host, outcome.Result, outcome.Status, elapsedMs, outcome.Reason);
        }

        return outcome;
    }

    private DeliveryOutcome Refused(string webhookId, string host, string reason)
    {
        Log.WebhookRefused(logger, webhookId, host, reason);
        return new(DeliveryResult.Refused, null, null, reason);
    }

    private DeliveryOutcome Classify(HttpResponseMessage response, string? excerpt)
    {
        var status = (int)response.StatusCode;
        var said = string.IsNullOrEmpty(excerpt) ? string.Empty : $": {excerpt}";
        switch (status)
        {
            case >= 200 and <= 299:
                return new(DeliveryResult.Delivered, status, null, $"HTTP {status}");
            case 410:
                return new(DeliveryResult.Gone, status, null, "HTTP 410 Gone: the subscriber asked for no more deliveries");
            case >= 300 and <= 399:
                // Not followed: a redirected POST may turn into a GET, and the target was never checked against
                // the address rules. The URL in settings is what needs changing; until then it is a failure to retry.
                var target = response.Headers.Location is { IsAbsoluteUri: true } location ? $" to {location.Host}" : string.Empty;
                return new(DeliveryResult.Retry, status, null, $"HTTP {status} redirect{target} not followed; update the subscriber URL");
            case 429 or 503:
                var retryAfter = RetryAfter(response.Headers.RetryAfter);
                var wait = retryAfter is { } delay ? string.Create(CultureInfo.InvariantCulture, $", retry after {delay.TotalSeconds:0} s") : string.Empty;
                return new(DeliveryResult.Retry, status, retryAfter, $"HTTP {status}{wait}{said}");
            default:
                return new(DeliveryResult.Retry, status, null, $"HTTP {status}{said}");
        }
    }

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header)
    {
        var delay = header switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - time.GetUtcNow(),
            _ => (TimeSpan?)null,
        };
        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
    }

    private static DeliveryOutcome FromException(HttpRequestException ex, string host)
    {
        for (Exception? inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is SubscriberAddressRefusedException refused)
            {
                return new(DeliveryResult.Refused, null, null, refused.Message);
            }

            if (inner is SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData })
            {
                return new(DeliveryResult.Retry, null, null, $"the host name {host} did not resolve");
            }
        }

        // Our own words: an exception's message may name more of the URL than the host.
        var reason = ex.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => $"the host name {host} did not resolve",
            HttpRequestError.ConnectionError => $"could not connect to {host}",
            HttpRequestError.SecureConnectionError => $"the TLS handshake with {host} failed",
            HttpRequestError.ResponseEnded => $"{host} closed the connection without a complete answer",
            HttpRequestError.InvalidResponse => $"{host} sent an answer that is not valid HTTP",
            _ => $"network error talking to {host} ({ex.HttpRequestError})",
        };
        return new(DeliveryResult.Retry, null, null, reason);
    }

    /// <summary>
    /// Reads at most <see cref="DeliveryLimits.MaxResponseBytes"/> of the answer (so a well-behaved connection can be
    /// reused) and keeps the start of it as an excerpt. The status already decided the outcome: an answer that is
    /// too large, too slow or cut off only ends the reading, and the connection is dropped with the rest unread.
    /// </summary>
    private async Task<string?> ReadAnswerAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var limit = limits.MaxResponseBytes;
        if (response.Content.Headers.ContentLength is { } length && length > limit)
        {
            return null;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(8 * 1024);
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var excerpt = new byte[Math.Min(limit, ExcerptBytes)];
                var total = 0;
                int read;
                while (total < limit
                    && (read = await stream.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, limit - total)), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    if (total < excerpt.Length)
                    {
                        buffer.AsSpan(0, Math.Min(read, excerpt.Length - total)).CopyTo(excerpt.AsSpan(total));
                    }

                    total += read;
                }

                return Sanitize(excerpt.AsSpan(0, Math.Min(total, excerpt.Length)));
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Printable text only, white space collapsed: safe in a log line or a table column.</summary>
    private static string? Sanitize(ReadOnlySpan<byte> bytes)
    {
        var clean = new StringBuilder(bytes.Length);
        foreach (var c in Encoding.UTF8.GetString(bytes))
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                if (clean.Length > 0 && clean[^1] != ' ')
                {
                    clean.Append(' ');
                }
            }
            else if (c != '\uFFFD' && !char.IsSurrogate(c))
            {
                clean.Append(c);
            }
        }

        var text = clean.ToString().Trim();
        return text.Length == 0 ? null : text;
    }

    // Cut after scrubbing, so that a signature the subscriber echoed is replaced whole rather than left half-visible.
    private static string? Shorten(string? excerpt)
        => excerpt is { Length: > ExcerptChars } ? excerpt[..ExcerptChars] + "…" : excerpt;

    /// <summary>A subscriber that echoes what it was sent must not get a signature (or, by mistake, the secret) into our records.</summary>
    private static string? Scrub(string? excerpt, string? secret, string signatures)
    {
        if (string.IsNullOrEmpty(excerpt))
        {
            return excerpt;
        }

        var secrets = (secret ?? string.Empty).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(s => new[] { s, s.StartsWith("whsec_", StringComparison.Ordinal) ? s[6..] : s });
        foreach (var value in secrets.Concat(signatures.Split(' ').SelectMany(s => new[] { s, s[3..] })))
        {
            if (value.Length >= 8)
            {
                excerpt = excerpt.Replace(value, "[redacted]", StringComparison.Ordinal);
            }
        }

        return excerpt;
    }
}
