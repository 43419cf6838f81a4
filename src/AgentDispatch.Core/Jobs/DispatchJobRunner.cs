using AgentDispatch.Configuration;
using AgentDispatch.Dispatch;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Jobs;

/// <summary>
/// Moves one job through its attempts. Before a request goes to VideoSDK the job is claimed
/// (Scheduled → Dispatching, conditional on the row's ETag), so of two instances woken for the same
/// job only one sends; the answer is written straight after it arrives, with no other I/O between.
/// </summary>
public sealed class DispatchJobRunner(
    DispatchLedger ledger,
    WakeQueue wake,
    IVideoSdkClient videoSdk,
    RetrySchedule retries,
    IOptions<JobsOptions> jobsOptions,
    IOptions<VideoSdkOptions> videoSdkOptions,
    TimeProvider time,
    ILogger<DispatchJobRunner> logger)
{
    /// <summary>
    /// Queue visibility has whole-second precision, so a wake-up can surface up to a second before
    /// its time; one that early waits out the rest here rather than dispatching early.
    /// </summary>
    public static readonly TimeSpan MaxEarlyWait = TimeSpan.FromSeconds(2);

    /// <summary>How long before the window closes a last attempt is placed when the backoff would overshoot it.</summary>
    private static readonly TimeSpan LastChance = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a claim lasts: longer than the longest a dispatch call can take, plus a margin to
    /// record its answer. The sweep only ever takes back a claim whose instance must be gone.
    /// </summary>
    public TimeSpan Lease => videoSdkOptions.Value.MaxCallDuration + jobsOptions.Value.LeaseMargin;

    /// <summary>
    /// Handles a wake-up for <paramref name="jobId"/> queued for <paramref name="due"/>: re-reads the job
    /// and dispatches it if, and only if, it is still scheduled for that time and that time has come.
    /// </summary>
    public async Task WakeAsync(string jobId, DateTimeOffset due, CancellationToken cancellationToken)
    {
        var job = await ledger.GetAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            Log.UnknownJob(logger, jobId);
            return;
        }

        var now = time.GetUtcNow();
        if (job.State == JobState.Scheduled && job.DueAt > now)
        {
            if (job.DueAt != due)
            {
                // Moved later since this wake-up was queued: the move queued its own. (A job already
                // due is dispatched by whichever wake-up comes first, stale or not.)
                Log.WakeIgnored(logger, job.Id, job.State, job.DueAt);
                return;
            }

            if (job.DueAt - now > MaxEarlyWait)
            {
                await wake.SendAsync(job.Id, job.DueAt, cancellationToken).ConfigureAwait(false);
                return;
            }

            // Timers run on a monotonic clock and can end a hair before the wall clock reaches the
            // due time: wait until the wall clock says so, so a job never goes out early.
            for (var early = job.DueAt - now; early > TimeSpan.Zero; early = job.DueAt - time.GetUtcNow())
            {
                await Task.Delay(early + TimeSpan.FromMilliseconds(1), time, cancellationToken).ConfigureAwait(false);
            }

            job = await ledger.GetAsync(jobId, cancellationToken).ConfigureAwait(false) ?? job;
            now = time.GetUtcNow();
        }

        switch (job.State)
        {
            case JobState.Scheduled when job.DueAt > now:
                // Moved later while this wake-up waited: the move queued its own.
                Log.WakeIgnored(logger, job.Id, job.State, job.DueAt);
                return;
            case JobState.Scheduled when now > job.NotAfter:
                await ExpireAsync(job, now, cancellationToken).ConfigureAwait(false);
                return;
            case JobState.Scheduled:
                var claimed = await ledger.TryReplaceAsync(Claim(job, now), cancellationToken).ConfigureAwait(false);
                if (claimed is not null)
                {
                    await AttemptClaimedAsync(claimed, cancellationToken).ConfigureAwait(false);
                }

                return;
            case JobState.Dispatching when job.LeaseUntil < now:
                await RecoverAsync(job, cancellationToken).ConfigureAwait(false);
                return;
            default:
                Log.WakeIgnored(logger, job.Id, job.State, job.DueAt);
                return;
        }
    }

    /// <summary>The job as claimed for one attempt.</summary>
    public DispatchJob Claim(DispatchJob job, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job with { State = JobState.Dispatching, Attempts = job.Attempts + 1, LeaseUntil = now + Lease, UpdatedAt = now };
    }

    /// <summary>
    /// Sends a job this instance has claimed and records the answer. Once claimed, the attempt runs to
    /// its own time limits and is not cut short by the caller (a host shutting down waits for it):
    /// an attempt abandoned half-way could only be recorded as Unknown.
    /// </summary>
    public async Task<DispatchJob> AttemptClaimedAsync(DispatchJob claimed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claimed);
        using var limit = new CancellationTokenSource(videoSdkOptions.Value.MaxCallDuration, time);
        DispatchOutcome outcome;
        try
        {
            outcome = await videoSdk.DispatchAsync(claimed.ToRequest(), limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            outcome = new DispatchOutcome(DispatchOutcomeKind.Unknown, "The dispatch call ran past its time limit; an agent may have been dispatched.");
        }

        return await RecordAsync(claimed, outcome, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A claim whose instance is gone: the request may or may not have reached VideoSDK, exactly as
    /// when it was sent and no answer came. <see cref="JobsOptions.UnknownOutcome"/> decides.
    /// </summary>
    public async Task RecoverAsync(DispatchJob abandoned, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(abandoned);
        var outcome = new DispatchOutcome(
            DispatchOutcomeKind.Unknown,
            "The instance dispatching this job stopped before VideoSDK's answer was recorded; an agent may have been dispatched.");
        var recorded = await RecordAsync(abandoned, outcome, cancellationToken).ConfigureAwait(false);
        Log.Recovered(logger, abandoned.Id, outcome.Kind, recorded.State == JobState.Failed ? "not sent again (Jobs:UnknownOutcome=Fail)" : $"now {recorded.State}");
    }

    private async Task<DispatchJob> RecordAsync(DispatchJob claimed, DispatchOutcome outcome, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var next = Next(claimed, outcome, now);

        // The row should still be the one this instance claimed. Once an answer is in hand it must not be
        // lost to a cancellation of the caller or a brief storage outage: the write is retried while
        // the claim lasts.
        var saved = await ReplaceWhileClaimedAsync(next, claimed.LeaseUntil ?? now + Lease).ConfigureAwait(false);
        if (saved is null)
        {
            saved = await ReconcileAsync(claimed.Id, next, outcome).ConfigureAwait(false);
        }

        Log.Attempted(logger, saved.Id, claimed.Attempts, outcome.Kind, saved.State);
        if (saved.State == JobState.Scheduled && saved.WakeFor == saved.DueAt && saved.NextAttemptAt is { } retryAt)
        {
            Log.RetryScheduled(logger, saved.Id, retryAt);
            await wake.SendAsync(saved.Id, retryAt, cancellationToken).ConfigureAwait(false);
        }
        else if (saved.State == JobState.Expired)
        {
            Log.Expired(logger, saved.Id, saved.NotAfter);
        }

        return saved;
    }

    private DispatchJob Next(DispatchJob job, DispatchOutcome outcome, DateTimeOffset now)
    {
        var recorded = job with
        {
            LastOutcome = outcome.Kind,
            LastMessage = outcome.Message,
            LastUpstreamStatus = outcome.UpstreamStatus,
            UpstreamResponse = outcome.ResponseBody,
            LeaseUntil = null,
            UpdatedAt = now,
        };

        var retry = outcome.IsRetryable
                    || (outcome.Kind == DispatchOutcomeKind.Unknown && jobsOptions.Value.UnknownOutcome == UnknownOutcomePolicy.Retry);
        if (outcome.Kind == DispatchOutcomeKind.Assigned)
        {
            return recorded with { State = JobState.Assigned, NextAttemptAt = null };
        }

        if (!retry)
        {
            return recorded with { State = JobState.Failed, NextAttemptAt = null };
        }

        var retryAt = retries.NextAttempt(job.Attempts, outcome.RetryAfter, now);
        if (retryAt > job.NotAfter && outcome.RetryAfter is null && job.NotAfter - now > LastChance)
        {
            // The backoff overshoots the window but one more attempt still fits: make it the last one.
            retryAt = job.NotAfter - LastChance;
        }

        return retryAt > job.NotAfter
            ? recorded with { State = JobState.Expired, NextAttemptAt = null }
            : recorded with { State = JobState.Scheduled, NextAttemptAt = retryAt, WakeFor = wake.CanWake(retryAt) ? retryAt : null };
    }

    private async Task<DispatchJob?> ReplaceWhileClaimedAsync(DispatchJob next, DateTimeOffset leaseUntil)
    {
        for (var delay = TimeSpan.FromMilliseconds(250); ; delay = delay * 2 > TimeSpan.FromSeconds(5) ? TimeSpan.FromSeconds(5) : delay * 2)
        {
            try
            {
                return await ledger.TryReplaceAsync(next, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (Storage.StorageFailures.IsTransient(ex, out var status) && time.GetUtcNow() + delay < leaseUntil)
            {
                // An answer in hand (an agent assigned) must not be lost to a storage outage: keep
                // trying to record it while the claim lasts.
                Log.RecordRetry(logger, next.Id, status);
                await Task.Delay(delay, time).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The row changed under an attempt in flight (its claim ran out and the sweep resolved it, or it
    /// was cancelled). An agent VideoSDK assigned is a fact that must be on record, whatever the row
    /// says now; any other answer yields to the newer state.
    /// </summary>
    private async Task<DispatchJob> ReconcileAsync(string id, DispatchJob next, DispatchOutcome outcome)
    {
        var update = await ledger.UpdateAsync(
            id,
            current => outcome.Kind != DispatchOutcomeKind.Assigned || current.State == JobState.Assigned
                ? null
                : next with { Attempts = Math.Max(current.Attempts, next.Attempts) },
            CancellationToken.None).ConfigureAwait(false);
        switch (update.Status)
        {
            case LedgerUpdateStatus.Updated:
                return update.Job!;
            case LedgerUpdateStatus.Unchanged:
                Log.RecordRaced(logger, id, outcome.Kind, update.Job!.State);
                return update.Job;
            case LedgerUpdateStatus.NotFound:
                throw new InvalidOperationException($"Job {id} disappeared from the ledger.");
            default:
                throw new InvalidOperationException($"Job {id}: could not record its assignment after repeated conflicts.");
        }
    }

    private async Task ExpireAsync(DispatchJob job, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await ledger.TryReplaceAsync(job with { State = JobState.Expired, UpdatedAt = now }, cancellationToken).ConfigureAwait(false) is not null)
        {
            Log.Expired(logger, job.Id, job.NotAfter);
        }
    }
}
