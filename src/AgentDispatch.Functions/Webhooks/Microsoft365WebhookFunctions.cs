using AgentDispatch.Functions.Http;
using AgentDispatch.Microsoft365;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.Functions.Webhooks;

/// <summary>What a Graph notification delivery is answered with (202).</summary>
public sealed record GraphNotificationAck(string Status, int Queued, int Ignored);

/// <summary>
/// <c>POST /api/webhooks/microsoft365</c> (change notifications) and <c>/lifecycle</c> (lifecycle
/// notifications). Anonymous at the Functions level: Graph sends no function key, and a key in the
/// notification URL would be stored by Graph with the subscription and echoed in its answers. What
/// proves a notification is its <c>clientState</c>, a secret per subscription checked against its
/// stored hash. Graph's validation call (<c>?validationToken=</c>) is echoed as <c>text/plain</c> at once;
/// a notification is answered 202 once its work is queued, 400 when it is not Graph's JSON, 503 with
/// <c>Retry-After</c> when Storage is down — never a 5xx of the host, which Graph would retry for hours.
/// </summary>
public sealed class Microsoft365WebhookFunctions(GraphNotificationReceiver receiver)
{
    /// <summary>Graph's tokens are about 150 characters; a much longer one is not Graph's.</summary>
    public const int MaxValidationTokenLength = 1024;

    /// <summary>Graph expects an answer within about three seconds.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(3);

    [Function(nameof(Microsoft365Webhook))]
    public Task<IResult> Microsoft365Webhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/microsoft365")] HttpRequest request, CancellationToken cancellationToken)
        => ReceiveAsync(request, lifecycle: false, cancellationToken);

    [Function(nameof(Microsoft365Lifecycle))]
    public Task<IResult> Microsoft365Lifecycle(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/microsoft365/lifecycle")] HttpRequest request, CancellationToken cancellationToken)
        => ReceiveAsync(request, lifecycle: true, cancellationToken);

    private async Task<IResult> ReceiveAsync(HttpRequest request, bool lifecycle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tokens = request.Query["validationToken"];
        if (tokens.Count > 0)
        {
            return Validation(tokens);
        }

        var read = await RequestBody.ReadJsonAsync(request, GraphNotificationReceiver.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (read.Problem is { } problem)
        {
            return problem;
        }

        return await StorageOutage.GuardAsync(
            async ct =>
            {
                var receipt = await receiver.ReceiveAsync(read.Body, lifecycle, ct).ConfigureAwait(false);
                return receipt.Kind == GraphReceiptKind.Invalid
                    ? Problems.Status(StatusCodes.Status400BadRequest, "webhook-payload", "The delivery is not Microsoft Graph's notification JSON.", receipt.Reason)
                    : TypedResults.Json(
                        new GraphNotificationAck(receipt.Queued > 0 ? "queued" : "ignored", receipt.Queued, receipt.Ignored),
                        FunctionsJsonContext.Default.GraphNotificationAck,
                        statusCode: StatusCodes.Status202Accepted);
            },
            cancellationToken,
            Deadline,
            "webhook-storage-unavailable").ConfigureAwait(false);
    }

    /// <summary>The token back as it came (the query is already URL-decoded), plain text, nothing else.</summary>
    private static IResult Validation(Microsoft.Extensions.Primitives.StringValues tokens)
    {
        var token = tokens.Count == 1 ? tokens[0] : null;
        if (string.IsNullOrEmpty(token) || token.Length > MaxValidationTokenLength)
        {
            return Problems.Status(
                StatusCodes.Status400BadRequest, "webhook-validation", "The validation token is missing or too long.",
                $"Graph sends one validationToken of at most {MaxValidationTokenLength} characters.");
        }

        return new NoSniffResult(TypedResults.Text(token, "text/plain", System.Text.Encoding.UTF8));
    }

    /// <summary>An echoed token is never taken for HTML or script by a browser.</summary>
    private sealed class NoSniffResult(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            httpContext.Response.Headers.XContentTypeOptions = "nosniff";
            httpContext.Response.Headers.ContentSecurityPolicy = "default-src 'none'";
            return inner.ExecuteAsync(httpContext);
        }
    }
}
