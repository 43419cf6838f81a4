using AgentDispatch.Functions.Http;
using AgentDispatch.Jobs;
using AgentDispatch.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.Functions.Webhooks;

/// <summary>What a webhook delivery is answered with (besides problem responses).</summary>
public sealed record WebhookAck(string Status, string Reason, string? JobId = null, string? Rule = null);

/// <summary>
/// <c>POST /api/webhooks/{calendly,calcom,standard}</c>. Anonymous at the Functions level — senders
/// cannot send a function key — and never unsigned: every delivery's signature is verified on the raw
/// bytes, and an endpoint whose secret is not configured refuses everything with 503.
/// </summary>
public sealed class WebhookFunctions(WebhookReceiver receiver)
{
    /// <summary>
    /// How long a delivery may take before it is answered 503 for the sender to retry: senders give up
    /// after about ten seconds (Calendly, Cal.com), and a delivery they gave up on is retried anyway.
    /// Every change is keyed by the source's identity, so the retry lands on the same job.
    /// </summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(8);

    /// <summary>Headers a delivery carries once: if repeated, the delivery is treated as if it had none.</summary>
    private static readonly HashSet<string> SingleHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "webhook-id", "webhook-timestamp", "Calendly-Webhook-Signature", "X-Cal-Signature-256",
    };

    [Function(nameof(CalendlyWebhook))]
    public Task<IResult> CalendlyWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/calendly")] HttpRequest request, CancellationToken cancellationToken)
        => ReceiveAsync(WebhookProvider.Calendly, request, cancellationToken);

    [Function(nameof(CalComWebhook))]
    public Task<IResult> CalComWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/calcom")] HttpRequest request, CancellationToken cancellationToken)
        => ReceiveAsync(WebhookProvider.CalCom, request, cancellationToken);

    [Function(nameof(StandardWebhook))]
    public Task<IResult> StandardWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/standard")] HttpRequest request, CancellationToken cancellationToken)
        => ReceiveAsync(WebhookProvider.Standard, request, cancellationToken);

    private Task<IResult> ReceiveAsync(WebhookProvider provider, HttpRequest request, CancellationToken cancellationToken)
        => ReadThenHandleAsync(
            request,
            WebhookReceiver.MaxBodyBytes,
            async (body, ct) => Answer(await receiver.ReceiveAsync(provider, body, name => Header(request, name), ct).ConfigureAwait(false)),
            cancellationToken);

    /// <summary>
    /// What every webhook route does around its receiver: the raw body read under its size limit (or
    /// its problem answered), then the receiver run within <see cref="Deadline"/>, Storage trouble
    /// answered 503 with <c>Retry-After</c>.
    /// </summary>
    internal static async Task<IResult> ReadThenHandleAsync(
        HttpRequest request, int maxBodyBytes, Func<ReadOnlyMemory<byte>, CancellationToken, Task<IResult>> handle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var read = await RequestBody.ReadJsonAsync(request, maxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (read.Problem is { } problem)
        {
            return problem;
        }

        return await StorageOutage.GuardAsync(ct => handle(read.Body, ct), cancellationToken, Deadline, "webhook-storage-unavailable").ConfigureAwait(false);
    }

    private static IResult Answer(WebhookReceipt receipt) => receipt.Kind switch
    {
        ReceiptKind.NotConfigured => Problems.Status(StatusCodes.Status503ServiceUnavailable, "webhook-not-configured", "This webhook endpoint is not configured.", receipt.Reason),
        ReceiptKind.Unavailable => new WithHeaderResult(
            Problems.Status(StatusCodes.Status503ServiceUnavailable, "webhook-secret-unavailable", "The signing secret cannot be read right now.", receipt.Reason),
            "Retry-After",
            "30"),
        ReceiptKind.Unauthorized => Problems.Status(StatusCodes.Status401Unauthorized, "webhook-signature", "The delivery's signature is not valid.", receipt.Reason),
        ReceiptKind.Invalid => Problems.Validation(receipt.Errors!),
        ReceiptKind.Ignored => TypedResults.Json(new WebhookAck("ignored", receipt.Reason, receipt.Result?.Job?.Id), FunctionsJsonContext.Default.WebhookAck),
        _ => TypedResults.Json(
            new WebhookAck(Status(receipt.Result!.Status), receipt.Reason, receipt.Result.Job?.Id, receipt.Result.Rule),
            FunctionsJsonContext.Default.WebhookAck,
            statusCode: StatusCodes.Status202Accepted),
    };

    /// <summary>
    /// One header's value. Repeated <c>webhook-signature</c> headers are joined (each may carry signatures
    /// under several keys); any other signing header sent twice counts as missing, so it fails the check
    /// rather than being guessed at.
    /// </summary>
    private static string? Header(HttpRequest request, string name)
    {
        var values = request.Headers[name];
        if (values.Count <= 1)
        {
            return values.FirstOrDefault();
        }

        return SingleHeaders.Contains(name) ? null : string.Join(' ', values.Where(v => !string.IsNullOrWhiteSpace(v)));
    }

    private static string Status(SourceJobStatus status) => status switch
    {
        SourceJobStatus.Created => "scheduled",
        SourceJobStatus.Moved => "rescheduled",
        SourceJobStatus.Cancelled => "cancelled",
        _ => "ignored",
    };
}
