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

    private async Task<IResult> ReceiveAsync(WebhookProvider provider, HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var read = await RequestBody.ReadJsonAsync(request, WebhookReceiver.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (read.Problem is { } problem)
        {
            return problem;
        }

        var receipt = await receiver.ReceiveAsync(provider, read.Body, name => request.Headers[name].FirstOrDefault(), cancellationToken).ConfigureAwait(false);
        return receipt.Kind switch
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
    }

    private static string Status(SourceJobStatus status) => status switch
    {
        SourceJobStatus.Created => "scheduled",
        SourceJobStatus.Moved => "rescheduled",
        SourceJobStatus.Cancelled => "cancelled",
        _ => "ignored",
    };
}
