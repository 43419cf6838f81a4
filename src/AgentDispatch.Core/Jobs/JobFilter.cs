namespace AgentDispatch.Jobs;

/// <summary>What a listing asks for: a meeting's jobs, jobs in a state, jobs whose <c>dispatchAt</c> is in [<see cref="From"/>, <see cref="To"/>), or any mix.</summary>
public sealed record JobFilter(string? MeetingId = null, JobState? State = null, DateTimeOffset? From = null, DateTimeOffset? To = null)
{
    public bool IsEmpty => MeetingId is null && State is null && From is null && To is null;

    public bool Matches(DispatchJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return (MeetingId is null || job.MeetingId == MeetingId)
               && (State is null || job.State == State)
               && (From is null || job.DispatchAt >= From)
               && (To is null || job.DispatchAt < To);
    }
}

/// <summary>What one backfill run did: whether every job is indexed now, jobs read this run, jobs indexed in all runs.</summary>
public sealed record BackfillReport(bool Complete, int Scanned, long Indexed);

/// <summary>What one pass of moving job rows off the row key an earlier version wrote did: done, and how many moved so far.</summary>
public sealed record LegacyRowsReport(bool Complete, long Moved);

/// <summary>What one retention run deleted, and whether it stopped at its bound with more to delete.</summary>
public sealed record RetentionReport(int Jobs, int Tombstones, bool More);
