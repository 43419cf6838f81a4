using AgentDispatch.Jobs;

namespace AgentDispatch.Sources;

/// <summary>Cancels the scheduled jobs of one calendar or schedule (by the jobs' <c>origin</c>), saying why.</summary>
public sealed class OriginJobs(DispatchLedger ledger, TimeProvider time)
{
    public static string OriginOf(SourceKind kind, string name) => kind switch
    {
        SourceKind.Calendar => "calendar:" + name,
        SourceKind.Schedule => "schedule:" + name,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Only calendars and schedules make jobs."),
    };

    /// <param name="reason">A <see cref="CancelReasons"/> value.</param>
    /// <param name="message">Shown as the job's <c>lastMessage</c>.</param>
    /// <returns>How many jobs were cancelled; jobs already dispatching or done are left as they are.</returns>
    public async Task<int> CancelScheduledAsync(string origin, string reason, string message, CancellationToken cancellationToken)
    {
        var cancelled = 0;
        await foreach (var job in ledger.ScheduledOfOriginAsync(origin, cancellationToken).ConfigureAwait(false))
        {
            var update = await ledger.UpdateAsync(
                job.Id,
                current => current.State == JobState.Scheduled
                    ? current with
                    {
                        State = JobState.Cancelled,
                        NextAttemptAt = null,
                        CancelReason = reason,
                        LastMessage = message,
                        UpdatedAt = Instants.Ms(time.GetUtcNow()),
                    }
                    : null,
                cancellationToken,
                job).ConfigureAwait(false);
            if (update.Updated)
            {
                cancelled++;
            }
        }

        return cancelled;
    }
}
