using AgentDispatch.Dispatch;

namespace AgentDispatch.Jobs;

/// <summary>
/// A request for a dispatch job: VideoSDK's dispatch request plus when to send it, until when it is
/// useful, the caller's idempotency key and a correlation id for the caller's own tracing.
/// </summary>
public sealed record DispatchJobRequest(
    DispatchRequest Dispatch,
    DateTimeOffset? DispatchAt = null,
    DateTimeOffset? NotAfter = null,
    string? IdempotencyKey = null,
    string? CorrelationId = null)
{
    /// <summary>
    /// When the request was made: a queue message's insertion time, so a message redelivered later is
    /// still judged by when it was sent. Null means now.
    /// </summary>
    public DateTimeOffset? RequestedAt { get; init; }
}
