using AgentDispatch.Jobs;

namespace AgentDispatch.Notifications;

/// <summary>
/// The status events: <c>job.&lt;state&gt;</c> for every state a job enters, and <c>job.rescheduled</c> when a
/// scheduled job's time moves. Staying in a state (another attempt while dispatching, the agent leaving
/// after it joined) is not an event.
/// </summary>
public static class JobEventTypes
{
    public const string Prefix = "job.";
    public const string Rescheduled = "job.rescheduled";
    public const string Wildcard = "job.*";

    public static readonly IReadOnlyList<string> All =
    [
        "job.scheduled", Rescheduled, "job.dispatching", "job.assigned", "job.joined", "job.not-joined", "job.failed", "job.expired", "job.cancelled",
    ];

    public static string Of(JobState state) => Prefix + JobStates.Wire(state);

    /// <summary>
    /// The event a write of <paramref name="next"/> is, judged against what the job's latest event announced
    /// (which <paramref name="next"/> carries over from the row it was made from); null when it is none.
    /// </summary>
    public static string? Change(DispatchJob next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var state = JobStates.Wire(next.State);
        if (next.AnnouncedState is not { } announced)
        {
            return Of(next.State);
        }

        if (next.State == JobState.Scheduled && announced is "scheduled" or "cancelled" && next.AnnouncedDispatchAt is { } at && at != next.DispatchAt)
        {
            return Rescheduled;
        }

        return announced == state ? null : Of(next.State);
    }

    /// <summary><paramref name="next"/> as written with its event: the next sequence, and what it announces.</summary>
    public static DispatchJob Announce(DispatchJob next) => next with
    {
        Sequence = next.Sequence + 1,
        AnnouncedState = JobStates.Wire(next.State),
        AnnouncedDispatchAt = next.DispatchAt,
    };

    public static bool IsFilter(string? type) => type is not null && (type == Wildcard || All.Contains(type));

    public static bool Matches(IReadOnlyCollection<string> filter, string type) => filter.Count == 0 || filter.Contains(Wildcard) || filter.Contains(type);
}
