using AgentDispatch.Dispatch;
using Microsoft.Extensions.Logging;

namespace AgentDispatch.Jobs;

/// <summary>Job events, with ids and outcomes as structured properties; never request bodies or tokens.</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Information, "Job {DispatchId} created from {Source} for agent {AgentId} in meeting {MeetingId}, due {DueAt:o}")]
    public static partial void JobCreated(ILogger logger, string dispatchId, string source, string agentId, string meetingId, DateTimeOffset dueAt);

    [LoggerMessage(101, LogLevel.Information, "Repeated request from {Source} for job {DispatchId} ({State}): nothing new dispatched")]
    public static partial void Duplicate(ILogger logger, string dispatchId, string source, JobState state);

    [LoggerMessage(102, LogLevel.Information, "Job {DispatchId} attempt {Attempt}: {Outcome}; now {State}")]
    public static partial void Attempted(ILogger logger, string dispatchId, int attempt, DispatchOutcomeKind outcome, JobState state);

    [LoggerMessage(103, LogLevel.Information, "Job {DispatchId} will be tried again at {NextAttemptAt:o}")]
    public static partial void RetryScheduled(ILogger logger, string dispatchId, DateTimeOffset nextAttemptAt);

    [LoggerMessage(104, LogLevel.Information, "Job {DispatchId} expired: its window closed at {NotAfter:o}")]
    public static partial void Expired(ILogger logger, string dispatchId, DateTimeOffset notAfter);

    [LoggerMessage(105, LogLevel.Debug, "Wake-up for job {DispatchId} ignored: the job is {State}, due {DueAt:o}")]
    public static partial void WakeIgnored(ILogger logger, string dispatchId, JobState state, DateTimeOffset dueAt);

    [LoggerMessage(106, LogLevel.Warning, "Job {DispatchId} was claimed for dispatch by an instance that stopped before recording the answer; treating it as {Outcome}: {Action}")]
    public static partial void Recovered(ILogger logger, string dispatchId, DispatchOutcomeKind outcome, string action);

    [LoggerMessage(107, LogLevel.Information, "Job {DispatchId} cancelled")]
    public static partial void Cancelled(ILogger logger, string dispatchId);

    [LoggerMessage(108, LogLevel.Information, "Job {DispatchId} rescheduled to {DispatchAt:o}")]
    public static partial void Rescheduled(ILogger logger, string dispatchId, DateTimeOffset dispatchAt);

    [LoggerMessage(109, LogLevel.Warning, "Job {DispatchId} changed while its answer ({Outcome}) was being recorded; kept {State}")]
    public static partial void RecordRaced(ILogger logger, string dispatchId, DispatchOutcomeKind outcome, JobState state);

    [LoggerMessage(110, LogLevel.Information, "Sweep: {Woken} wake-ups queued, {Recovered} abandoned claims resolved")]
    public static partial void Swept(ILogger logger, int woken, int recovered);

    [LoggerMessage(111, LogLevel.Warning, "Wake-up for unknown job {DispatchId} ignored")]
    public static partial void UnknownJob(ILogger logger, string dispatchId);

    [LoggerMessage(112, LogLevel.Warning, "Recording the answer for job {DispatchId} failed (storage status {Status}); trying again while the claim lasts")]
    public static partial void RecordRetry(ILogger logger, string dispatchId, int status);

    [LoggerMessage(113, LogLevel.Error, "Sweep could not handle job {DispatchId}; carrying on with the others")]
    public static partial void SweepFailed(ILogger logger, string dispatchId, Exception exception);

    [LoggerMessage(114, LogLevel.Error, "Ledger row {RowId} could not be read as a job and was skipped")]
    public static partial void BadRow(ILogger logger, string rowId, Exception exception);

    [LoggerMessage(115, LogLevel.Information, "Job {DispatchId}: agent seen in the room as participant {ParticipantId} (by {ConfirmedBy})")]
    public static partial void AgentJoined(ILogger logger, string dispatchId, string participantId, string confirmedBy);

    [LoggerMessage(116, LogLevel.Warning, "Job {DispatchId}: no agent seen in the room within {Timeout}; now {State}")]
    public static partial void AgentNotSeen(ILogger logger, string dispatchId, TimeSpan timeout, string state);

    [LoggerMessage(117, LogLevel.Warning, "Index rows given up by job {DispatchId} could not be deleted; they are cleaned when next met")]
    public static partial void IndexCleanupFailed(ILogger logger, string dispatchId, Exception exception);

    [LoggerMessage(118, LogLevel.Information, "Ledger index backfill: {Indexed} jobs indexed so far ({Scanned} read this run); {Status}")]
    public static partial void Backfilled(ILogger logger, long indexed, int scanned, string status);

    [LoggerMessage(119, LogLevel.Information, "Retention: {Jobs} final jobs and {Tombstones} tombstones older than {Cutoff:o} deleted; {Status}")]
    public static partial void Retained(ILogger logger, int jobs, int tombstones, DateTimeOffset cutoff, string status);

    [LoggerMessage(120, LogLevel.Warning, "Retention could not delete job {DispatchId}; it is tried again at the next run")]
    public static partial void RetentionFailed(ILogger logger, string dispatchId, Exception exception);

    [LoggerMessage(121, LogLevel.Warning, "Job {DispatchId} was under both row keys (an earlier version wrote it while this one ran); the earlier version's row was deleted")]
    public static partial void LegacyRowDropped(ILogger logger, string dispatchId);

    [LoggerMessage(122, LogLevel.Information, "Ledger row keys: {Moved} job rows moved to their own row key so far; {Status}")]
    public static partial void LegacyRowsMoved(ILogger logger, long moved, string status);

    [LoggerMessage(200, LogLevel.Warning, "Message {MessageId} from {Queue} moved to the poison queue at once: {Reason} {Errors}")]
    public static partial void Poisoned(ILogger logger, string messageId, string queue, string reason, string errors);

    [LoggerMessage(300, LogLevel.Information, "Job {DispatchId} cancelled by its source (for a reschedule: {ForReschedule})")]
    public static partial void SourceCancelled(ILogger logger, string dispatchId, bool forReschedule);

    [LoggerMessage(301, LogLevel.Information, "Job {DispatchId} moved by its source to {DispatchAt:o}")]
    public static partial void SourceMoved(ILogger logger, string dispatchId, DateTimeOffset dispatchAt);
}
