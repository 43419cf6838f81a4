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
/// move, cancel, revive. Sources deliver at least once and out of order, so every change carries when
/// the source says it happened, and a change older than the one the job already has is ignored: a
/// replayed or late delivery cannot undo a newer one. A meeting that moves to a new identity (a
/// reschedule that makes a new booking) keeps one job: the job follows the chain A → B → C, and each
/// old key resolves to it through an alias but can no longer change it.
/// </summary>
public sealed class SourceJobs(
    DispatchLedger ledger,
    DispatchJobService jobs,
    WakeQueue wake,
    TimeProvider time,
    ILogger<SourceJobs> logger)
{
    private const int Attempts = 5;

    /// <param name="request">The job as the source wants it now; <see cref="DispatchJobRequest.SourceKey"/> is required.</param>
    public async Task<SourceJobResult> ScheduleAsync(DispatchJobRequest request, string source, SourceChange change, CancellationToken cancellationToken)
    {
        request = Normalise(request, out var key);
        var tooFar = TooFarAhead(request);
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var existing = await ledger.ResolveAsync(key, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                if (change.OccurredAt is { } at && await ledger.GetTombstoneAsync(key, cancellationToken).ConfigureAwait(false) is { } cancelledAt && at <= cancelledAt)
                {
                    return new SourceJobResult(SourceJobStatus.Ignored, null, $"the source cancelled this meeting at {cancelledAt:o}, after this change");
                }

                var submitted = await jobs.SubmitAsync(
                    request with { SourceUpdatedAt = change.OccurredAt, DeliveryId = change.DeliveryId }, source, cancellationToken, dispatchInline: false).ConfigureAwait(false);
                switch (submitted.Status)
                {
                    case SubmitStatus.Rejected or SubmitStatus.Invalid:
                        return new SourceJobResult(SourceJobStatus.Ignored, submitted.Job, "the dispatch window does not allow it: " + submitted.Errors);
                    case SubmitStatus.Duplicate:
                        continue; // created by a concurrent delivery: look again, as an update
                    default:
                        return new SourceJobResult(SourceJobStatus.Created, submitted.Job, "job created");
                }
            }

            var verdict = (Status: SourceJobStatus.Ignored, Reason: string.Empty);
            var update = await ledger.UpdateAsync(
                existing.Id,
                job =>
                {
                    if (Current(job) != key)
                    {
                        verdict = (SourceJobStatus.Ignored, "the meeting was rescheduled: its job follows the newer booking");
                        return null;
                    }

                    if (Stale(job, change) is { } stale)
                    {
                        verdict = (SourceJobStatus.Ignored, stale);
                        return null;
                    }

                    if (job.State == JobState.Scheduled && SameDispatch(job, request))
                    {
                        verdict = (SourceJobStatus.Unchanged, "the job already matches");
                        return Stamp(job, change) is var stamped && stamped != job ? stamped : null;
                    }

                    if (job.State != JobState.Scheduled && !CancelReasons.Revivable(job))
                    {
                        verdict = (SourceJobStatus.Ignored, PastChanging(job));
                        return null;
                    }

                    if (tooFar is not null)
                    {
                        // As for a new event that far ahead; the job stays as it was (see TooFarAhead).
                        verdict = (SourceJobStatus.Ignored, tooFar);
                        return null;
                    }

                    verdict = (SourceJobStatus.Moved, job.State == JobState.Cancelled ? "the cancelled job was scheduled again" : "job moved to the new time");
                    return Rescheduled(job, request, change, job.ReplacedBy);
                },
                cancellationToken,
                existing).ConfigureAwait(false);
            switch (update.Status)
            {
                case LedgerUpdateStatus.NotFound:
                    continue;
                case LedgerUpdateStatus.Contended:
                    return new SourceJobResult(SourceJobStatus.Ignored, update.Job, "the job kept changing; try again");
                case LedgerUpdateStatus.Updated when verdict.Status == SourceJobStatus.Moved:
                    await MovedAsync(update.Job!, cancellationToken).ConfigureAwait(false);
                    break;
            }

            return new SourceJobResult(verdict.Status, update.Job, verdict.Reason);
        }

        return new SourceJobResult(SourceJobStatus.Ignored, await ledger.ResolveAsync(key, cancellationToken).ConfigureAwait(false), "the job kept changing; try again");
    }

    /// <summary>
    /// A meeting that moved to a new identity (the source made a new booking for it): its job takes the
    /// new time and the new key, instead of a second job beside it. Works whichever half of the move
    /// arrives first, and along chains (A → B, then B → C).
    /// </summary>
    public async Task<SourceJobResult> MoveAsync(string previousKey, DispatchJobRequest request, string source, SourceChange change, CancellationToken cancellationToken)
    {
        request = Normalise(request, out var key);
        var tooFar = TooFarAhead(request);
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var old = await ledger.ResolveAsync(previousKey, cancellationToken).ConfigureAwait(false);
            if (old is null)
            {
                // The move arrived before the old booking (or the old booking never had a job): schedule
                // the new one, and point the old key at it so the old booking's late create is ignored.
                var scheduled = await ScheduleAsync(request, source, change, cancellationToken).ConfigureAwait(false);
                if (scheduled.Job is { } job)
                {
                    await ledger.AddAliasAsync(previousKey, job.Id, cancellationToken).ConfigureAwait(false);
                }

                return scheduled;
            }

            var current = Current(old);
            if (current == key)
            {
                return await ScheduleAsync(request, source, change, cancellationToken).ConfigureAwait(false); // moved already: an update
            }

            if (current != previousKey)
            {
                return new SourceJobResult(SourceJobStatus.Ignored, old, "the meeting was rescheduled again since: its job follows the newer booking");
            }

            if (Stale(old, change) is { } stale)
            {
                return new SourceJobResult(SourceJobStatus.Ignored, old, stale);
            }

            if (old.State == JobState.Cancelled && old.CancelReason == CancelReasons.Api)
            {
                return new SourceJobResult(SourceJobStatus.Ignored, old, PastChanging(old));
            }

            if (old.State != JobState.Scheduled && !CancelReasons.Revivable(old))
            {
                // The old booking's dispatch already happened (or is happening): the new booking is a new meeting time.
                return await ScheduleAsync(request, source, change, cancellationToken).ConfigureAwait(false);
            }

            if (tooFar is not null)
            {
                // Before anything is cancelled or aliased: the old job stays as it was, at its old time.
                return new SourceJobResult(SourceJobStatus.Ignored, old, tooFar);
            }

            if (await ledger.ResolveAsync(key, cancellationToken).ConfigureAwait(false) is { } other && other.Id != old.Id)
            {
                // The new booking already has its own job: the old one is cancelled, the new one updated.
                await CancelAsync(previousKey, forReschedule: false, change, cancellationToken, tombstone: false).ConfigureAwait(false);
                return await ScheduleAsync(request, source, change, cancellationToken).ConfigureAwait(false);
            }

            // The alias first: once the job says it belongs to the new key, the new key must find it.
            await ledger.AddAliasAsync(key, old.Id, cancellationToken).ConfigureAwait(false);
            // Written only if the job is still as decided on; if it changed, the next round decides again.
            var update = await ledger.UpdateAsync(
                old.Id,
                job => Current(job) == previousKey && Stale(job, change) is null && job.State == old.State && job.CancelReason == old.CancelReason
                    ? Rescheduled(job, request, change, replacedBy: key)
                    : null,
                cancellationToken,
                old).ConfigureAwait(false);
            if (update.Updated)
            {
                await MovedAsync(update.Job!, cancellationToken).ConfigureAwait(false);
                return new SourceJobResult(SourceJobStatus.Moved, update.Job, "the rescheduled meeting's job moved to the new time");
            }
        }

        return new SourceJobResult(SourceJobStatus.Ignored, null, "the job kept changing; try again");
    }

    /// <param name="forReschedule">The first half of a reschedule: the second half moves and revives the job.</param>
    /// <param name="tombstone">
    /// When no job exists yet, remember the cancel (at the change's time) so that an older create
    /// arriving later is ignored.
    /// </param>
    public async Task<SourceJobResult> CancelAsync(string key, bool forReschedule, SourceChange change, CancellationToken cancellationToken, bool tombstone = true)
    {
        var found = await ledger.ResolveAsync(key, cancellationToken).ConfigureAwait(false);
        if (found is null)
        {
            if (tombstone && change.OccurredAt is { } at)
            {
                await ledger.AddTombstoneAsync(key, at, cancellationToken).ConfigureAwait(false);
                return new SourceJobResult(SourceJobStatus.Ignored, null, "no job for this meeting yet: an older create arriving later will be ignored");
            }

            return new SourceJobResult(SourceJobStatus.Ignored, null, "no job for this meeting");
        }

        var verdict = (Status: SourceJobStatus.Ignored, Reason: string.Empty);
        var update = await ledger.UpdateAsync(
            found.Id,
            job =>
            {
                verdict = Current(job) != key ? (SourceJobStatus.Ignored, "the job already moved to the rescheduled meeting")
                    : Stale(job, change) is { } stale ? (SourceJobStatus.Ignored, stale)
                    : job.State == JobState.Cancelled ? (SourceJobStatus.Cancelled, "already cancelled")
                    : job.State != JobState.Scheduled ? (SourceJobStatus.Ignored, $"too late to cancel: the job is {Describe(job.State)}")
                    : (SourceJobStatus.Cancelled, forReschedule ? "cancelled until the rescheduled meeting arrives" : "job cancelled");
                return verdict.Status != SourceJobStatus.Cancelled || job.State == JobState.Cancelled ? null : Stamp(job, change) with
                {
                    State = JobState.Cancelled,
                    NextAttemptAt = null,
                    CancelReason = forReschedule ? CancelReasons.Rescheduled : CancelReasons.Source,
                    UpdatedAt = Now(),
                };
            },
            cancellationToken,
            found).ConfigureAwait(false);
        switch (update.Status)
        {
            case LedgerUpdateStatus.Updated:
                Log.SourceCancelled(logger, update.Job!.Id, forReschedule);
                return new SourceJobResult(SourceJobStatus.Cancelled, update.Job, verdict.Reason);
            case LedgerUpdateStatus.Unchanged:
                return new SourceJobResult(verdict.Status, update.Job, verdict.Reason);
            default:
                return new SourceJobResult(SourceJobStatus.Ignored, null, update.Job is null ? "no job for this meeting" : "the job kept changing; try again");
        }
    }

    /// <summary>
    /// Cancels the scheduled jobs of <paramref name="origin"/> that are still open and due by
    /// <paramref name="until"/> whose keys the source no longer lists (an occurrence removed from a
    /// calendar feed). They stay revivable: if the occurrence comes back, the job is scheduled again.
    /// </summary>
    /// <param name="keepPrefixes">Key prefixes never cancelled this time (events the source could not read).</param>
    public async Task<int> CancelMissingAsync(string origin, IReadOnlySet<string> present, DateTimeOffset now, DateTimeOffset until, IReadOnlyCollection<string> keepPrefixes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(present);
        ArgumentNullException.ThrowIfNull(keepPrefixes);
        var cancelled = 0;
        await foreach (var job in ledger.ScheduledOfOriginAsync(origin, cancellationToken).ConfigureAwait(false))
        {
            var key = Current(job);
            if (present.Contains(key) || job.NotAfter <= now || job.DispatchAt > until
                || keepPrefixes.Any(prefix => key.StartsWith(prefix, StringComparison.Ordinal)))
            {
                continue;
            }

            var result = await CancelAsync(key, forReschedule: false, SourceChange.None, cancellationToken, tombstone: false).ConfigureAwait(false);
            if (result.Status == SourceJobStatus.Cancelled)
            {
                cancelled++;
            }
        }

        return cancelled;
    }

    /// <summary>The key the job answers to now: the newest booking it moved to, or its own.</summary>
    public static string Current(DispatchJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.ReplacedBy ?? job.IdempotencyKey;
    }

    private static DispatchJobRequest Normalise(DispatchJobRequest request, out string key)
    {
        ArgumentNullException.ThrowIfNull(request);
        key = request.SourceKey ?? throw new ArgumentException("A source job needs a SourceKey.", nameof(request));
        return request with { DispatchAt = Instants.Ms(request.DispatchAt), NotAfter = Instants.Ms(request.NotAfter) };
    }

    /// <summary>
    /// The answer to a move further ahead than <c>Jobs:MaxScheduleAhead</c>, worded as for a new event that far
    /// ahead. The job is left as it was, not cancelled: that is the rule for every update the app cannot schedule
    /// (already over, or a lead time or window that leaves the calendar: see MeetingEventProcessor); only an
    /// update that no longer wants an agent cancels the job.
    /// </summary>
    private string? TooFarAhead(DispatchJobRequest request)
    {
        if (request.DispatchAt is not { } at || jobs.TooFarAhead(at) is not { } problem)
        {
            return null;
        }

        var errors = new Requests.RequestErrors();
        errors.Add("dispatchAt", problem);
        return "the dispatch window does not allow it: " + errors;
    }

    private static string PastChanging(DispatchJob job) => job.State == JobState.Cancelled
        ? "the job was cancelled through the API; the source cannot revive it"
        : $"the job is already {Describe(job.State)}";

    private static string Describe(JobState state) => state.ToString().ToLowerInvariant();

    /// <summary>The job as the source wants it now: scheduled for the request's time, with its own wake-up.</summary>
    private DispatchJob Rescheduled(DispatchJob existing, DispatchJobRequest request, SourceChange change, string? replacedBy)
    {
        var dispatchAt = request.DispatchAt ?? existing.DispatchAt;
        return Stamp(existing, change) with
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
    }

    private async Task MovedAsync(DispatchJob saved, CancellationToken cancellationToken)
    {
        if (saved.WakeFor is { } due)
        {
            await wake.SendAsync(saved.Id, due, cancellationToken).ConfigureAwait(false);
        }

        Log.SourceMoved(logger, saved.Id, saved.DispatchAt);
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
}

/// <summary>When the source says a change happened, and its delivery id, for ordering and replays.</summary>
public readonly record struct SourceChange(DateTimeOffset? OccurredAt, string? DeliveryId)
{
    public static SourceChange None => default;
}
