using System.Text.Json;
using System.Text.Json.Serialization;
using AgentDispatch.Dispatch;
using AgentDispatch.Jobs;

namespace AgentDispatch.Functions.Jobs;

/// <summary>A job as the HTTP API shows it.</summary>
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
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? UpstreamResponse)
{
    public static JobView From(DispatchJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new JobView(
            job.Id,
            Wire(job.State),
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
            job.CreatedAt,
            job.UpdatedAt,
            job.UpstreamResponse);
    }

    public static string Wire(JobState state) => state.ToString().ToLowerInvariant();

    /// <summary>Exactly one state's name, any letter case: not a number, not a list, no spaces.</summary>
    public static bool TryParseState(string text, out JobState state)
    {
        foreach (var candidate in Enum.GetValues<JobState>())
        {
            if (string.Equals(candidate.ToString(), text, StringComparison.OrdinalIgnoreCase))
            {
                state = candidate;
                return true;
            }
        }

        state = default;
        return false;
    }
}

/// <summary>A page of jobs: <c>{"items": [...], "next": "&lt;cursor&gt;" | null}</c>.</summary>
public sealed record JobList(IReadOnlyList<JobView> Items, string? Next);
