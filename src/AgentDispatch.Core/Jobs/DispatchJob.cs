using System.Text.Json;
using AgentDispatch.Dispatch;

namespace AgentDispatch.Jobs;

/// <summary>
/// Where a job is in its life. Joined, NotJoined, Failed, Cancelled and Expired are final; Assigned is
/// final only when no confirmation is awaited (<see cref="DispatchJob.ConfirmBy"/> is null).
/// </summary>
public enum JobState
{
    Scheduled,
    Dispatching,

    /// <summary>VideoSDK took the job: a worker accepted it. While <see cref="DispatchJob.ConfirmBy"/> is set, the app is looking for the agent in the room.</summary>
    Assigned,
    Failed,
    Cancelled,
    Expired,

    /// <summary>The agent was seen in the room (<see cref="DispatchJob.ConfirmedBy"/> says how).</summary>
    Joined,

    /// <summary>The agent was not seen in the room within <c>Confirmation:Timeout</c>, and is not sent again.</summary>
    NotJoined,
}

/// <summary>How a job's agent was seen in the room.</summary>
public static class ConfirmedBy
{
    public const string SessionApi = "session-api";
    public const string Webhook = "webhook";
}

public static class CancelReasons
{
    /// <summary>Cancelled as the first half of a reschedule; the second half moves and revives the job.</summary>
    public const string Rescheduled = "rescheduled";

    /// <summary>Cancelled because its source said so (a cancel event, a cancelled or vanished occurrence): a newer word from the source may revive it.</summary>
    public const string Source = "source";

    /// <summary>Cancelled through the API: final, no source revives it.</summary>
    public const string Api = "api";

    /// <summary>Cancelled because its calendar or schedule was deleted through the API: final, so a poll or run that still saw the source cannot bring it back.</summary>
    public const string SourceDeleted = "source-deleted";

    /// <summary>Cancelled because its schedule was changed through the API: the next run makes it again from the new definition, if the occurrence is still in it.</summary>
    public const string SourceChanged = "source-changed";

    public static bool Revivable(DispatchJob job) => job is { State: JobState.Cancelled, CancelReason: Rescheduled or Source or SourceChanged };
}

/// <summary>Where a dispatch request came from.</summary>
public static class JobSources
{
    public const string Http = "http";
    public const string Queue = "queue";
    public const string Calendly = "calendly";
    public const string CalCom = "calcom";
    public const string StandardWebhook = "standard";
    public const string Calendar = "calendar";
    public const string Microsoft365 = "microsoft365";
    public const string Schedule = "schedule";
}

/// <summary>
/// One dispatch as a durable job: what to send, when, until when it is still useful, and what has
/// happened so far. The ledger holds one row per job; its ETag guards every change of state.
/// </summary>
public sealed record DispatchJob
{
    public required string Id { get; init; }

    /// <summary>The key that makes a repeated request return this job instead of making another.</summary>
    public required string IdempotencyKey { get; init; }

    public required string MeetingId { get; init; }

    public required string AgentId { get; init; }

    public string? VersionId { get; init; }

    public JsonElement? Metadata { get; init; }

    public required string Source { get; init; }

    public string? CorrelationId { get; init; }

    /// <summary>
    /// The W3C <c>traceparent</c> of the span that created the job (null when nothing was traced). A
    /// dispatch that runs later, from a wake-up or the sweep, links its spans to that trace.
    /// </summary>
    public string? TraceParent { get; init; }

    /// <summary>What produced the job within its source (<c>calendar:team</c>, <c>schedule:standup</c>); null for HTTP and queue.</summary>
    public string? Origin { get; init; }

    /// <summary>When the agent should be dispatched.</summary>
    public required DateTimeOffset DispatchAt { get; init; }

    /// <summary>The last moment a dispatch is still useful; after it the job is Expired.</summary>
    public required DateTimeOffset NotAfter { get; init; }

    public required JobState State { get; init; }

    public int Attempts { get; init; }

    public DispatchOutcomeKind? LastOutcome { get; init; }

    public string? LastMessage { get; init; }

    public int? LastUpstreamStatus { get; init; }

    /// <summary>VideoSDK's last answer body, as received (capped).</summary>
    public string? UpstreamResponse { get; init; }

    /// <summary>When the next attempt is due after a retryable outcome; null before the first.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>While Dispatching: until when the instance that claimed the job owns it.</summary>
    public DateTimeOffset? LeaseUntil { get; init; }

    /// <summary>The due time a wake-up message has been queued for; the sweep queues one when this differs from <see cref="DueAt"/>.</summary>
    public DateTimeOffset? WakeFor { get; init; }

    /// <summary>For keys derived from the request: which use of the key this is (a new job once the previous one's window has passed).</summary>
    public int Generation { get; init; }

    /// <summary>On a key's first job only: the latest generation of that key, so a lookup does not walk every one.</summary>
    public int LatestGeneration { get; init; }

    /// <summary>When the source said the latest change applied to this job happened; an older change is stale and ignored.</summary>
    public DateTimeOffset? SourceUpdatedAt { get; init; }

    /// <summary>The delivery id (Standard Webhooks <c>webhook-id</c>) of the latest change applied; the same delivery again is a no-op.</summary>
    public string? LastDeliveryId { get; init; }

    /// <summary>Set when the meeting moved to a new identity (a rescheduled Calendly invitee, Cal.com booking): the key that took the job over.</summary>
    public string? ReplacedBy { get; init; }

    /// <summary>Why a cancelled job was cancelled; <see cref="CancelReasons.Rescheduled"/> lets the new time revive it.</summary>
    public string? CancelReason { get; init; }

    /// <summary>When the first attempt was sent: an agent seen in the room before it is not this job's.</summary>
    public DateTimeOffset? FirstSentAt { get; init; }

    /// <summary>
    /// While the app looks for the agent in the room (after an assigned answer, or to settle an attempt
    /// that got no answer): when it stops looking and decides the agent did not come.
    /// </summary>
    public DateTimeOffset? ConfirmBy { get; init; }

    /// <summary>How often the job was dispatched again because its agent did not join.</summary>
    public int Redispatches { get; init; }

    /// <summary>When the agent was seen joining the room.</summary>
    public DateTimeOffset? JoinedAt { get; init; }

    /// <summary>VideoSDK's participant id of the agent in the room.</summary>
    public string? ParticipantId { get; init; }

    /// <summary>The room's session the agent joined.</summary>
    public string? SessionId { get; init; }

    /// <summary><see cref="Jobs.ConfirmedBy.SessionApi"/> or <see cref="Jobs.ConfirmedBy.Webhook"/>.</summary>
    public string? ConfirmedBy { get; init; }

    /// <summary>When the agent left the room (or its session ended), as far as the app has heard.</summary>
    public DateTimeOffset? LeftAt { get; init; }

    /// <summary>Where this job's status events also go (given when the job was created); null for none.</summary>
    public string? CallbackUrl { get; init; }

    /// <summary>How many status events the job has had: the <c>sequence</c> of the latest, so a subscriber can order what arrives out of order.</summary>
    public int Sequence { get; init; }

    /// <summary>The state (wire name) the latest status event announced; a write that changes it is a new event.</summary>
    public string? AnnouncedState { get; init; }

    /// <summary>The <see cref="DispatchAt"/> the latest status event announced: a scheduled job moved from it is rescheduled.</summary>
    public DateTimeOffset? AnnouncedDispatchAt { get; init; }

    /// <summary>
    /// The ledger's index rows for this job as last written (see <see cref="IndexKeys"/>); empty for a row
    /// an earlier version wrote, until the backfill indexes it. Not part of the API.
    /// </summary>
    public IndexSet Indexed { get; init; } = IndexSet.Empty;

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The ledger's version of this row; a change made with a stale one is refused.</summary>
    public string? ETag { get; init; }

    /// <summary>
    /// True when the row was read from under the row key an earlier version wrote
    /// (<see cref="DispatchJobEntity.LegacyRowKey"/>): a change is written back to that row. Not part of the API.
    /// </summary>
    public bool LegacyRow { get; init; }

    /// <summary>When the next attempt is due.</summary>
    public DateTimeOffset DueAt => NextAttemptAt ?? DispatchAt;

    public bool IsFinal => State is JobState.Joined or JobState.NotJoined or JobState.Failed or JobState.Cancelled or JobState.Expired
                           || (State == JobState.Assigned && ConfirmBy is null);

    /// <summary>True while the app looks in the room for this job's agent.</summary>
    public bool IsConfirming => ConfirmBy is not null && State is JobState.Assigned or JobState.Dispatching;

    public DispatchRequest ToRequest() => new(MeetingId, AgentId, Metadata, VersionId);
}
