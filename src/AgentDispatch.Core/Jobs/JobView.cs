using System.Text.Json;
using System.Text.Json.Serialization;
using AgentDispatch.Dispatch;

namespace AgentDispatch.Jobs;

/// <summary>
/// A job as the HTTP API shows it, and as status events carry it. What the app keeps for itself (leases,
/// wake-ups, the callback URL, derived keys) is not shown.
/// </summary>
public sealed record JobView(
    string Id,
    string State,
    string MeetingId,
    string AgentId,
    string? VersionId,
    JsonElement? Metadata,
    string Source,
    string? IdempotencyKey,
    string? CorrelationId,
    DateTimeOffset DispatchAt,
    DateTimeOffset NotAfter,
    int Attempts,
    string? LastOutcome,
    string? LastMessage,
    int? LastUpstreamStatus,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? ConfirmBy,
    int Redispatches,
    DateTimeOffset? JoinedAt,
    string? ParticipantId,
    string? ConfirmedBy,
    DateTimeOffset? LeftAt,
    int Sequence,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? UpstreamResponse)
{
    public static JobView From(DispatchJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new JobView(
            job.Id,
            JobStates.Wire(job.State),
            job.MeetingId,
            job.AgentId,
            job.VersionId,
            job.Metadata,
            job.Source,
            // The caller's own key is theirs to see; a derived key is an internal detail.
            job.IdempotencyKey.StartsWith("key:", StringComparison.Ordinal) ? job.IdempotencyKey[4..] : null,
            job.CorrelationId,
            job.DispatchAt,
            job.NotAfter,
            job.Attempts,
            job.LastOutcome?.ToWire(),
            job.LastMessage,
            job.LastUpstreamStatus,
            job.NextAttemptAt,
            job.ConfirmBy,
            job.Redispatches,
            job.JoinedAt,
            job.ParticipantId,
            job.ConfirmedBy,
            job.LeftAt,
            job.Sequence,
            job.CreatedAt,
            job.UpdatedAt,
            job.UpstreamResponse);
    }
}

/// <summary>A page of jobs: <c>{"items": [...], "next": "&lt;cursor&gt;" | null}</c>.</summary>
public sealed record JobList(IReadOnlyList<JobView> Items, string? Next);
