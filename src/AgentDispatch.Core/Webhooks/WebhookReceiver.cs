using AgentDispatch.Events;
using AgentDispatch.Jobs;
using AgentDispatch.Requests;
using AgentDispatch.Webhooks.CalCom;
using AgentDispatch.Webhooks.Calendly;
using AgentDispatch.Webhooks.Standard;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Webhooks;

public enum ReceiptKind
{
    /// <summary>No signing secret is configured: nothing unsigned is ever accepted (503).</summary>
    NotConfigured,

    /// <summary>The secret could not be read right now (vault unreachable): the sender should retry (503).</summary>
    Unavailable,

    /// <summary>Missing, malformed, stale or wrong signature (401): nothing stored.</summary>
    Unauthorized,

    /// <summary>Signed, but not a payload this endpoint understands (400).</summary>
    Invalid,

    /// <summary>Signed and understood, but nothing to do (200): no meeting id, no rule, past, or a replay.</summary>
    Ignored,

    /// <summary>A job was created, moved or cancelled (202).</summary>
    Stored,
}

/// <summary>The outcome of one delivery. <see cref="Reason"/> is safe to return and log: it holds no secret or signature.</summary>
public sealed record WebhookReceipt(ReceiptKind Kind, string Reason, RequestErrors? Errors = null, EventResult? Result = null);

/// <summary>
/// One webhook delivery, whatever its provider: signing secret, signature on the raw bytes, payload,
/// then the meeting event processor. Host-agnostic: the function class only reads the request and
/// maps the receipt to a response.
/// </summary>
public sealed partial class WebhookReceiver(
    WebhookSecrets secrets,
    MeetingEventProcessor processor,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<WebhookReceiver> logger)
{
    /// <summary>Largest delivery accepted; real ones are a few kilobytes.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    public async Task<WebhookReceipt> ReceiveAsync(WebhookProvider provider, ReadOnlyMemory<byte> body, Func<string, string?> header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        var secret = await secrets.GetAsync(provider, cancellationToken).ConfigureAwait(false);
        if (!secret.Available)
        {
            Log.NotConfigured(logger, provider, secret.Problem!);
            return new WebhookReceipt(secret.Transient ? ReceiptKind.Unavailable : ReceiptKind.NotConfigured, secret.Problem!);
        }

        var now = time.GetUtcNow();
        var tolerance = options.Value.For(provider).Tolerance;
        var deliveryId = provider == WebhookProvider.Standard ? header(StandardWebhookSignature.IdHeader) : null;
        if (Verify(provider, secret, body.Span, header, now, tolerance) is not { } check)
        {
            var problem = $"{provider} webhooks are not configured: {WebhookOptions.SettingPrefix(provider)}:Secret (or the vault secret {WebhookOptions.SettingPrefix(provider)}:SecretName names) is not a Standard Webhooks secret ('whsec_' and base64).";
            Log.NotConfigured(logger, provider, problem);
            return new WebhookReceipt(ReceiptKind.NotConfigured, problem);
        }

        if (!check.Valid && secret.FromVault)
        {
            // The secret may have been rotated in the vault since it was cached: read it again (rate-limited) and retry once.
            var fresh = await secrets.GetAsync(provider, cancellationToken, refresh: true).ConfigureAwait(false);
            if (fresh.Available && fresh.Value != secret.Value && Verify(provider, fresh, body.Span, header, now, tolerance) is { } second)
            {
                check = second;
            }
        }

        if (!check.Valid)
        {
            Log.Rejected(logger, provider, check.Reason, body.Length);
            return new WebhookReceipt(ReceiptKind.Unauthorized, "The signature is missing, malformed, stale or wrong.");
        }

        var parsed = provider switch
        {
            WebhookProvider.Calendly => CalendlyEvents.Parse(body),
            WebhookProvider.CalCom => CalComEvents.Parse(body),
            _ => StandardMeetingEvents.Parse(body, check.SignedAt!.Value),
        };
        if (parsed.Errors is { } errors)
        {
            Log.Invalid(logger, provider, errors.ToString());
            return new WebhookReceipt(ReceiptKind.Invalid, "The payload is signed but not understood: " + errors, errors);
        }

        if (parsed.Event is not { } meetingEvent)
        {
            return new WebhookReceipt(ReceiptKind.Ignored, parsed.Ignored!);
        }

        var result = await processor.ProcessAsync(meetingEvent, new SourceChange(parsed.OccurredAt ?? check.SignedAt, deliveryId), cancellationToken).ConfigureAwait(false);
        return new WebhookReceipt(result.Stored ? ReceiptKind.Stored : ReceiptKind.Ignored, result.Reason, null, result);
    }

    /// <summary>The signature checked against each candidate secret; null when the secret itself is unusable.</summary>
    private static SignatureCheck? Verify(WebhookProvider provider, WebhookSecret secret, ReadOnlySpan<byte> body, Func<string, string?> header, DateTimeOffset now, TimeSpan tolerance)
    {
        if (provider == WebhookProvider.Standard)
        {
            var keys = StandardWebhookSignature.ParseSecrets(secret.Value!);
            return keys.Count == 0
                ? null
                : StandardWebhookSignature.Verify(
                    header(StandardWebhookSignature.IdHeader), header(StandardWebhookSignature.TimestampHeader), header(StandardWebhookSignature.SignatureHeader),
                    body, keys, now, tolerance);
        }

        var result = SignatureCheck.Fail("no secret");
        foreach (var candidate in secret.Candidates())
        {
            result = provider == WebhookProvider.Calendly
                ? CalendlySignature.Verify(header(CalendlySignature.Header), body, candidate, now, tolerance)
                : CalComSignature.Verify(header(CalComSignature.Header), body, candidate);
            if (result.Valid)
            {
                return result;
            }
        }

        return result;
    }
}
