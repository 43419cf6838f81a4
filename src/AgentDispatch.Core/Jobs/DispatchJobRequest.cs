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

    /// <summary>
    /// A key an event source made for itself (<c>calendly:&lt;invitee uri&gt;</c>, <c>schedule:&lt;name&gt;\n&lt;time&gt;</c>),
    /// used as is. It outranks <see cref="IdempotencyKey"/>, which is the caller's and gets a prefix.
    /// </summary>
    public string? SourceKey { get; init; }

    /// <summary>What produced the job within its source (a feed, a schedule), so a source can find its own jobs again.</summary>
    public string? Origin { get; init; }

    /// <summary>When the source says this request's change happened (see <see cref="SourceJobs"/>).</summary>
    public DateTimeOffset? SourceUpdatedAt { get; init; }

    /// <summary>The source's delivery id, recorded so the same delivery again changes nothing.</summary>
    public string? DeliveryId { get; init; }

    /// <summary>Where this job's status events also go, signed like every subscriber's (HTTP body or queue message <c>callbackUrl</c>).</summary>
    public string? CallbackUrl { get; init; }
}
