using AgentDispatch.Confirmation;
using AgentDispatch.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.Functions.Webhooks;

/// <summary>What a VideoSDK webhook delivery is answered with: <c>{"status": "handled" | "ignored", "reason", "jobs"}</c>.</summary>
public sealed record VideoSdkWebhookAck(string Status, string Reason, IReadOnlyList<string>? Jobs);

/// <summary>
/// <c>POST /api/webhooks/videosdk</c>: VideoSDK's participant and session events, each verified against
/// VideoSDK's RSA public key before anything is read from it. Anonymous at the Functions level, like
/// the other webhooks: VideoSDK sends no function key, and the signature is the proof.
/// </summary>
public sealed class VideoSdkWebhookFunction(VideoSdkWebhookReceiver receiver)
{
    [Function(nameof(VideoSdkWebhook))]
    public async Task<IResult> VideoSdkWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/videosdk")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var signatures = request.Headers[VideoSdkWebhookReceiver.SignatureHeader];
        var signature = signatures.Count == 1 ? signatures[0] : null; // sent twice: treated as missing, never guessed at
        return await WebhookFunctions.ReadThenHandleAsync(
            request,
            VideoSdkWebhookReceiver.MaxBodyBytes,
            async (body, ct) => Answer(await receiver.ReceiveAsync(body, signature, ct).ConfigureAwait(false)),
            cancellationToken).ConfigureAwait(false);
    }

    private static IResult Answer(VideoSdkReceipt receipt) => receipt.Kind switch
    {
        VideoSdkReceiptKind.Unauthorized => Problems.Status(StatusCodes.Status401Unauthorized, "webhook-signature", "The delivery's signature is not valid.", receipt.Reason),
        VideoSdkReceiptKind.KeyUnavailable => new WithHeaderResult(
            Problems.Status(StatusCodes.Status503ServiceUnavailable, "webhook-key-unavailable", "VideoSDK's public key cannot be read right now.", receipt.Reason),
            "Retry-After",
            "30"),
        VideoSdkReceiptKind.Invalid => Problems.Status(
            StatusCodes.Status400BadRequest, "webhook-payload", "The delivery is not VideoSDK's webhook JSON.", receipt.Errors?.ToString() ?? receipt.Reason),
        _ => TypedResults.Json(
            new VideoSdkWebhookAck(receipt.Kind == VideoSdkReceiptKind.Handled ? "handled" : "ignored", receipt.Reason, receipt.JobIds),
            FunctionsJsonContext.Default.VideoSdkWebhookAck),
    };
}
