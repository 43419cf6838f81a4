namespace AgentDispatch.VideoSdkEmulator.Webhooks;

/// <summary>One attempt to deliver one webhook.</summary>
/// <param name="Sequence">Order of the attempts, from 1.</param>
/// <param name="Body">The exact body that was signed and sent.</param>
/// <param name="Attempt">1 for the first try of an event, 2 and 3 for its retries.</param>
/// <param name="StatusCode">The receiver's answer; null when no answer came (see <paramref name="Error"/>).</param>
/// <param name="Error">Why no answer came, e.g. a refused connection or a timeout.</param>
public sealed record WebhookDelivery(
    long Sequence,
    DateTimeOffset SentAt,
    string Url,
    string WebhookType,
    string Body,
    int Attempt,
    int? StatusCode,
    string? Error)
{
    public bool Delivered => StatusCode is >= 200 and < 300;
}
