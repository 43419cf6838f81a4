using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Jobs;

public enum SourceJobStatus
{
    Created,
    Moved,
    Unchanged,
    Cancelled,

    /// <summary>Nothing done: the change is older than what the job has, or the job is past changing.</summary>
    Ignored,
}

public sealed record SourceJobResult(SourceJobStatus Status, DispatchJob? Job, string Reason);

/// <summary>
/// Jobs kept in step with an event source (webhooks, calendar feeds) by the source's own key: create,
/// move, cancel. Sources deliver at least once and out of order, so every change carries when the
/// source says it happened, and a change older than the one the job already has is ignored: a replayed
/// or late delivery cannot undo a newer one.
/// </summary>
public sealed partial class SourceJobs(
    DispatchLedger ledger,
    DispatchJobService jobs,
    WakeQueue wake,
    TimeProvider time,
    ILogger<SourceJobs> logger)
{
    /// <param name="request">The job as the source wants it now; <see cref="DispatchJobRequest.SourceKey"/> is required.</param>
    public async Task<SourceJobResult> ScheduleAsync(DispatchJobRequest request, string source, SourceChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request = request with { DispatchAt = Instants.Ms(request.DispatchAt), NotAfter = Instants.Ms(request.NotAfter) };
        var key = request.SourceKey ?? throw new ArgumentException("A source job needs a SourceKey.", nameof(request));
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var existing = await ledger.ResolveAsync(key, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                var submitted = await jobs.SubmitAsync(
                    request with { SourceUpdatedAt = change.OccurredAt, DeliveryId = change.DeliveryId }, source, cancellationToken, dispatchInline: false).ConfigureAwait(false);
                if (submitted.Status == SubmitStatus.Rejected)
                {
                    return new SourceJobResult(SourceJobStatus.Ignored, submitted.Job, "the dispatch window does not allow it: " + submitted.Errors);
                }

                if (submitted.Status == SubmitStatus.Duplicate)
                {
                    continue; // created by a concurrent delivery: look again, as an update
                }

                return new SourceJobResult(SourceJobStatus.Created, submitted.Job, "job created");
            }

            if (Stale(existing, change) is { } stale)
            {
                return new SourceJobResult(SourceJobStatus.Ignored, existing, stale);
            }

            if (existing.State != JobState.Scheduled)
            {
                return new SourceJobResult(SourceJobStatus.Ignored, existing, $"the job is already {existing.State.ToString().ToLowerInvariant()}");
            }

            if (SameDispatch(existing, request))
            {
                await ledger.TryReplaceAsync(Stamp(existing, change), cancellationToken).ConfigureAwait(false);
                return new SourceJobResult(SourceJobStatus.Unchanged, existing, "the job already matches");
            }

            var moved = await ReplaceScheduledAsync(existing, request, change, replacedBy: null, cancellationToken).ConfigureAwait(false);
            if (moved is not null)
            {
                return new SourceJobResult(SourceJobStatus.Moved, moved, "job moved to the new time");
            }
        }

        return new SourceJobResult(SourceJobStatus.Ignored, await ledger.ResolveAsync(key, cancellationToken).ConfigureAwait(false), "the job kept changing; try again");
    }

    /// <summary>
    /// A meeting that moved to a new identity (the source made a new booking for it): its old job
    /// takes the new time and the new key, instead of a second job beside it.
    /// </summary>
    public async Task<SourceJobResult> MoveAsync(string previousKey, DispatchJobRequest request, string source, SourceChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request = request with { DispatchAt = Instants.Ms(request.DispatchAt), NotAfter = Instants.Ms(request.NotAfter) };
        var key = request.SourceKey ?? throw new ArgumentException("A source job needs a SourceKey.", nameof(request));
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var old = await ledger.ResolveAsync(previousKey, cancellationToken).ConfigureAwait(false);
            var movable = old is not null
                          && (old.State == JobState.Scheduled || (old.State == JobState.Cancelled && old.CancelReason == CancelReasons.Rescheduled))
                          && (old.ReplacedBy is null || old.ReplacedBy == key);
            if (!movable)
            {
                // Nothing to move (never had a job, or it already went out): the new meeting is simply scheduled.
                return await ScheduleAsync(request, source, change, cancellationToken).ConfigureAwait(false);
            }

            var moved = await ReplaceScheduledAsync(old!, request, change, replacedBy: key, cancellationToken).ConfigureAwait(false);
            if (moved is not null)
            {
                await ledger.AddAliasAsync(key, moved.Id, cancellationToken).ConfigureAwait(false);
                return new SourceJobResult(SourceJobStatus.Moved, moved, "the rescheduled meeting's job moved to the new time");
            }
        }

        return new SourceJobResult(SourceJobStatus.Ignored, null, "the job kept changing; try again");
    }

    /// <param name="forReschedule">The first half of a reschedule: the job may be revived by the second half.</param>
    public async Task<SourceJobResult> CancelAsync(string key, bool forReschedule, SourceChange change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var job = await ledger.ResolveAsync(key, cancellationToken).ConfigureAwait(false);
            if (job is null)
            {
                return new SourceJobResult(SourceJobStatus.Ignored, null, "no job for this meeting");
            }

            if (forReschedule && job.ReplacedBy is not null)
            {
                return new SourceJobResult(SourceJobStatus.Ignored, job, "the job already moved to the rescheduled meeting");
            }

            if (Stale(job, change) is { } stale)
            {
                return new SourceJobResult(SourceJobStatus.Ignored, job, stale);
            }

            if (job.State == JobState.Cancelled)
            {
                return new SourceJobResult(SourceJobStatus.Cancelled, job, "already cancelled");
            }

            if (job.State != JobState.Scheduled)
            {
                return new SourceJobResult(SourceJobStatus.Ignored, job, $"too late to cancel: the job is {job.State.ToString().ToLowerInvariant()}");
            }

            var cancelled = await ledger.TryReplaceAsync(
                Stamp(job, change) with
                {
                    State = JobState.Cancelled,
                    NextAttemptAt = null,
                    CancelReason = forReschedule ? CancelReasons.Rescheduled : null,
                    UpdatedAt = Now(),
                },
                cancellationToken).ConfigureAwait(false);
            if (cancelled is not null)
            {
                Log.SourceCancelled(logger, cancelled.Id, forReschedule);
                return new SourceJobResult(SourceJobStatus.Cancelled, cancelled, forReschedule ? "cancelled until the rescheduled meeting arrives" : "job cancelled");
            }
        }

        return new SourceJobResult(SourceJobStatus.Ignored, null, "the job kept changing; try again");
    }

    /// <summary>
    /// Cancels the scheduled jobs of <paramref name="origin"/> due in [<paramref name="from"/>, <paramref name="until"/>]
    /// whose keys the source no longer lists (an occurrence removed from a calendar feed).
    /// </summary>
    /// <param name="keepPrefixes">Key prefixes never cancelled this time (events the source could not read).</param>
    public async Task<int> CancelMissingAsync(string origin, IReadOnlySet<string> present, DateTimeOffset from, DateTimeOffset until, IReadOnlyCollection<string> keepPrefixes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(present);
        ArgumentNullException.ThrowIfNull(keepPrefixes);
        var cancelled = 0;
        await foreach (var job in ledger.ScheduledOfOriginAsync(origin, cancellationToken).ConfigureAwait(false))
        {
            if (present.Contains(job.IdempotencyKey) || (job.ReplacedBy is { } alias && present.Contains(alias)) || job.DispatchAt < from || job.DispatchAt > until
                || keepPrefixes.Any(prefix => job.IdempotencyKey.StartsWith(prefix, StringComparison.Ordinal)))
            {
                continue;
            }

            var result = await CancelAsync(job.IdempotencyKey, forReschedule: false, SourceChange.None, cancellationToken).ConfigureAwait(false);
            if (result.Status == SourceJobStatus.Cancelled)
            {
                cancelled++;
            }
        }

        return cancelled;
    }

    private async Task<DispatchJob?> ReplaceScheduledAsync(DispatchJob existing, DispatchJobRequest request, SourceChange change, string? replacedBy, CancellationToken cancellationToken)
    {
        var dispatchAt = request.DispatchAt ?? existing.DispatchAt;
        var moved = Stamp(existing, change) with
        {
            MeetingId = request.Dispatch.MeetingId,
            AgentId = request.Dispatch.AgentId,
            VersionId = request.Dispatch.VersionId,
            Metadata = request.Dispatch.Metadata,
            DispatchAt = dispatchAt,
            NotAfter = request.NotAfter ?? existing.NotAfter,
            State = JobState.Scheduled,
            NextAttemptAt = null,
            CancelReason = null,
            ReplacedBy = replacedBy ?? existing.ReplacedBy,
            WakeFor = wake.CanWake(dispatchAt) ? dispatchAt : null,
            UpdatedAt = Now(),
        };
        var saved = await ledger.TryReplaceAsync(moved, cancellationToken).ConfigureAwait(false);
        if (saved?.WakeFor is { } due)
        {
            await wake.SendAsync(saved.Id, due, cancellationToken).ConfigureAwait(false);
        }

        if (saved is not null)
        {
            Log.SourceMoved(logger, saved.Id, saved.DispatchAt);
        }

        return saved;
    }

    private static bool SameDispatch(DispatchJob job, DispatchJobRequest request)
        => job.DispatchAt == request.DispatchAt
           && job.NotAfter == request.NotAfter
           && job.MeetingId == request.Dispatch.MeetingId
           && job.AgentId == request.Dispatch.AgentId
           && job.VersionId == request.Dispatch.VersionId
           && job.Metadata?.GetRawText() == request.Dispatch.Metadata?.GetRawText();

    private static string? Stale(DispatchJob job, SourceChange change)
    {
        if (change.DeliveryId is { } delivery && delivery == job.LastDeliveryId)
        {
            return "this delivery was already applied";
        }

        return change.OccurredAt is { } at && job.SourceUpdatedAt is { } applied && at < applied
            ? $"a newer change (at {applied:o}) was already applied"
            : null;
    }

    private static DispatchJob Stamp(DispatchJob job, SourceChange change) => job with
    {
        SourceUpdatedAt = change.OccurredAt is { } at && (job.SourceUpdatedAt is null || at > job.SourceUpdatedAt) ? at : job.SourceUpdatedAt,
        LastDeliveryId = change.DeliveryId ?? job.LastDeliveryId,
    };

    private DateTimeOffset Now() => Instants.Ms(time.GetUtcNow());

    private static partial class Log
    {
        [LoggerMessage(300, LogLevel.Information, "Job {DispatchId} cancelled by its source (for a reschedule: {ForReschedule})")]
        public static partial void SourceCancelled(ILogger logger, string dispatchId, bool forReschedule);

        [LoggerMessage(301, LogLevel.Information, "Job {DispatchId} moved by its source to {DispatchAt:o}")]
        public static partial void SourceMoved(ILogger logger, string dispatchId, DateTimeOffset dispatchAt);
    }
}

/// <summary>When the source says a change happened, and its delivery id, for ordering and replays.</summary>
public readonly record struct SourceChange(DateTimeOffset? OccurredAt, string? DeliveryId)
{
    public static SourceChange None => default;
}
