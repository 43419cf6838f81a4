using AgentDispatch.Configuration;
using AgentDispatch.Confirmation;
using AgentDispatch.Dispatch;
using AgentDispatch.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Jobs;

/// <summary>
/// Moves one job through its attempts. Before a request goes to VideoSDK the job is claimed
/// (Scheduled → Dispatching, conditional on the row's ETag), so of two instances woken for the same
/// job only one sends; the answer is written straight after it arrives, with no other I/O between.
/// With confirmation on, an assigned answer — or no answer at all — is followed by looks in the room
/// (wake-ups on the same queue) until the agent is seen or <see cref="ConfirmationOptions.Timeout"/> passes.
/// </summary>
public sealed class DispatchJobRunner(
    DispatchLedger ledger,
    WakeQueue wake,
    IVideoSdkClient videoSdk,
    RoomWatcher watcher,
    RetrySchedule retries,
    IOptions<JobsOptions> jobsOptions,
    IOptions<VideoSdkOptions> videoSdkOptions,
    IOptions<ConfirmationOptions> confirmationOptions,
    AgentDispatchMetrics metrics,
    TimeProvider time,
    ILogger<DispatchJobRunner> logger)
{
    private ConfirmationOptions Confirmation => confirmationOptions.Value;

    /// <summary>
    /// What becomes of an attempt sent without an answer once the app has looked: unset, it is sent
    /// again when the app looks in the room first (no agent there, so no second agent), and failed
    /// when confirmation is off and nothing could be seen.
    /// </summary>
    public UnknownOutcomePolicy UnknownOutcome => jobsOptions.Value.UnknownOutcome ?? (Confirmation.IsOn ? UnknownOutcomePolicy.Retry : UnknownOutcomePolicy.Fail);

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
        // A span of the wake-up's own trace (its queue message or the caller's), linked to the trace
        // that created the job once the row is read: the row keeps that trace's traceparent.
        using var activity = AgentDispatchActivities.Start(AgentDispatchActivities.Names.Wake);
        activity?.SetTag(AgentDispatchActivities.JobIdTag, jobId);
        var job = await ledger.GetAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            Log.UnknownJob(logger, jobId);
            return;
        }

        activity?.WithJob(job).SetTag(AgentDispatchActivities.StateTag, JobStates.Wire(job.State));

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
            case JobState.Assigned or JobState.Dispatching when job.IsConfirming:
                if (job.WakeFor == due || now >= job.ConfirmBy)
                {
                    await CheckAsync(job, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    Log.WakeIgnored(logger, job.Id, job.State, job.WakeFor ?? job.DueAt);
                }

                return;
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
        return job with { State = JobState.Dispatching, Attempts = job.Attempts + 1, LeaseUntil = now + Lease, FirstSentAt = job.FirstSentAt ?? now, UpdatedAt = now };
    }

    /// <summary>
    /// Sends a job this instance has claimed and records the answer. Once claimed, the attempt runs to
    /// its own time limits and is not cut short by the caller (a host shutting down waits for it):
    /// an attempt abandoned half-way could only be recorded as Unknown.
    /// </summary>
    public async Task<DispatchJob> AttemptClaimedAsync(DispatchJob claimed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claimed);
        using var activity = AgentDispatchActivities.StartJob(AgentDispatchActivities.Names.Attempt, claimed);
        activity?.SetTag(AgentDispatchActivities.AttemptTag, claimed.Attempts);
        if (claimed.Attempts == 1)
        {
            metrics.FirstSent(time.GetUtcNow() - claimed.DispatchAt, claimed.Source);
        }

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

        activity?.SetTag(AgentDispatchActivities.OutcomeTag, outcome.Kind.ToWire());
        var recorded = await RecordAsync(claimed, outcome, cancellationToken).ConfigureAwait(false);
        activity?.SetTag(AgentDispatchActivities.StateTag, JobStates.Wire(recorded.State));
        return recorded;
    }

    /// <summary>
    /// A claim whose instance is gone: the request may or may not have reached VideoSDK, exactly as
    /// when it was sent and no answer came. <see cref="JobsOptions.UnknownOutcome"/> decides.
    /// </summary>
    public async Task RecoverAsync(DispatchJob abandoned, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(abandoned);
        using var activity = AgentDispatchActivities.StartJob(AgentDispatchActivities.Names.Recover, abandoned);
        if (abandoned.IsConfirming)
        {
            // Its looks in the room stopped (a wake-up lost): look once more and decide.
            await CheckAsync(abandoned, cancellationToken).ConfigureAwait(false);
            return;
        }

        var outcome = new DispatchOutcome(
            DispatchOutcomeKind.Unknown,
            "The instance dispatching this job stopped before VideoSDK's answer was recorded; an agent may have been dispatched.");
        var recorded = await RecordAsync(abandoned, outcome, cancellationToken).ConfigureAwait(false);
        Log.Recovered(logger, abandoned.Id, outcome.Kind, recorded.IsConfirming ? "looking in the room before anything else" : recorded.State == JobState.Failed ? "not sent again (Jobs:UnknownOutcome=Fail)" : $"now {recorded.State}");
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
        if (saved.IsConfirming && saved.WakeFor is { } lookAt)
        {
            await wake.SendAsync(saved.Id, lookAt, cancellationToken).ConfigureAwait(false);
        }
        else if (saved.State == JobState.Scheduled && saved.WakeFor == saved.DueAt && saved.NextAttemptAt is { } retryAt)
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

        if (outcome.Kind == DispatchOutcomeKind.Assigned)
        {
            return Confirmation.IsOn
                ? StartLooking(recorded with { State = JobState.Assigned, NextAttemptAt = null }, now)
                : recorded with { State = JobState.Assigned, NextAttemptAt = null };
        }

        if (outcome.Kind == DispatchOutcomeKind.Unknown && Confirmation.IsOn)
        {
            // Sent, no answer: VideoSDK may have dispatched. Look in the room before failing or resending;
            // the lease outlives the looking so that the sweep finishes it if the looks stop.
            var looking = StartLooking(recorded with { State = JobState.Dispatching, NextAttemptAt = null }, now);
            return looking with { LeaseUntil = looking.ConfirmBy + jobsOptions.Value.LeaseMargin };
        }

        var retry = outcome.IsRetryable || (outcome.Kind == DispatchOutcomeKind.Unknown && UnknownOutcome == UnknownOutcomePolicy.Retry);
        return retry ? RetryOrExpire(recorded, outcome.RetryAfter, now) : recorded with { State = JobState.Failed, NextAttemptAt = null };
    }

    private DispatchJob StartLooking(DispatchJob job, DateTimeOffset now)
    {
        var confirmBy = now + Confirmation.Timeout;
        // The first look comes soon in every mode: a webhook may have come before the answer was recorded.
        var firstLook = Min(now + Confirmation.PollInterval, confirmBy);
        return job with { ConfirmBy = confirmBy, WakeFor = firstLook };
    }

    /// <summary>The next attempt after <paramref name="job"/>'s latest, inside its window, or Expired when none fits.</summary>
    private DispatchJob RetryOrExpire(DispatchJob job, TimeSpan? retryAfter, DateTimeOffset now)
    {
        var retryAt = retries.NextAttempt(job.Attempts, retryAfter, now);
        if (retryAt > job.NotAfter && retryAfter is null && job.NotAfter - now > LastChance)
        {
            // The backoff overshoots the window but one more attempt still fits: make it the last one.
            retryAt = job.NotAfter - LastChance;
        }

        return retryAt > job.NotAfter
            ? job with { State = JobState.Expired, NextAttemptAt = null, ConfirmBy = null, LeaseUntil = null }
            : job with { State = JobState.Scheduled, NextAttemptAt = retryAt, WakeFor = wake.CanWake(retryAt) ? retryAt : null, ConfirmBy = null, LeaseUntil = null };
    }

    /// <summary>
    /// One look in the room for a job being confirmed: the agent is there → Joined; not there and the
    /// time is up → decided by <see cref="ConfirmationOptions.OnNotJoined"/> (after an assigned answer) or
    /// <see cref="UnknownOutcome"/> (after no answer); otherwise the next look is queued.
    /// </summary>
    public async Task<DispatchJob> CheckAsync(DispatchJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        using var activity = AgentDispatchActivities.StartJob(AgentDispatchActivities.Names.Look, job);
        var look = await watcher.LookAsync(job, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (look.Agent is { } agent)
        {
            var joined = await ledger.UpdateAsync(job.Id, current => current.IsConfirming ? Joined(current, agent, now) : null, cancellationToken, job).ConfigureAwait(false);
            if (joined.Updated)
            {
                metrics.AgentJoined(agent.JoinedAt - (job.FirstSentAt ?? job.CreatedAt), agent.ConfirmedBy);
                Log.AgentJoined(logger, job.Id, agent.ParticipantId, agent.ConfirmedBy);
            }

            return joined.Job ?? job;
        }

        if (now >= job.ConfirmBy)
        {
            var decided = await ledger.UpdateAsync(job.Id, current => current.IsConfirming && now >= current.ConfirmBy ? NotSeen(current, look, now) : null, cancellationToken, job).ConfigureAwait(false);
            if (decided is { Updated: true, Job: { } next })
            {
                Log.AgentNotSeen(logger, job.Id, Confirmation.Timeout, JobStates.Wire(next.State));
                if (next.State == JobState.Scheduled && next.WakeFor is { } at)
                {
                    await wake.SendAsync(next.Id, at, cancellationToken).ConfigureAwait(false);
                }
            }

            return decided.Job ?? job;
        }

        var lookAt = Min(now + (Confirmation.Polls ? Confirmation.PollInterval : job.ConfirmBy!.Value - now), job.ConfirmBy!.Value);
        var queued = await ledger.UpdateAsync(job.Id, current => current.IsConfirming ? current with { WakeFor = lookAt } : null, cancellationToken, job).ConfigureAwait(false);
        if (queued.Updated)
        {
            await wake.SendAsync(job.Id, lookAt, cancellationToken).ConfigureAwait(false);
        }

        return queued.Job ?? job;
    }

    /// <summary>The job once its agent is seen in the room. Shared with VideoSDK's webhooks, which see it first.</summary>
    public static DispatchJob Joined(DispatchJob job, AgentSeen agent, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(agent);
        return job with
        {
            State = JobState.Joined,
            JoinedAt = agent.JoinedAt,
            ParticipantId = agent.ParticipantId,
            SessionId = agent.SessionId,
            ConfirmedBy = agent.ConfirmedBy,
            LeftAt = agent.LeftAt,
            // An unanswered attempt that turned out to have put the agent in: VideoSDK did assign it.
            LastOutcome = job.LastOutcome == DispatchOutcomeKind.Unknown ? DispatchOutcomeKind.Assigned : job.LastOutcome,
            ConfirmBy = null,
            WakeFor = null,
            LeaseUntil = null,
            NextAttemptAt = null,
            UpdatedAt = now,
        };
    }

    private DispatchJob NotSeen(DispatchJob job, AgentLook look, DateTimeOffset now)
    {
        var seconds = Confirmation.Timeout.TotalSeconds;
        var couldNotAsk = look.Problem is null ? "" : $" (the last look could not ask VideoSDK: {look.Problem})";
        var looked = job with { ConfirmBy = null, UpdatedAt = now };
        if (job.State == JobState.Dispatching)
        {
            // No answer came, and no agent came either: nothing was dispatched, as far as anyone can tell.
            if (look.Problem is not null && Confirmation.Polls)
            {
                // Nobody could look: sending again might put a second agent in the room.
                return looked with
                {
                    State = JobState.Failed,
                    LeaseUntil = null,
                    WakeFor = null,
                    LastMessage = $"The request was sent but no answer came, and the room could not be looked into within {seconds:0} s{couldNotAsk}. Not sent again: an agent may be there.",
                };
            }

            var message = $"The request was sent but no answer came, and no agent was seen in the room within {seconds:0} s{couldNotAsk}.";
            return UnknownOutcome == UnknownOutcomePolicy.Retry
                ? RetryOrExpire(looked with { LastMessage = message }, null, now)
                : looked with { State = JobState.Failed, LeaseUntil = null, WakeFor = null, LastMessage = message + " Not sent again (Jobs:UnknownOutcome=Fail)." };
        }

        var again = Confirmation.OnNotJoined == NotJoinedPolicy.Redispatch && job.Redispatches < Confirmation.MaxRedispatches && now < job.NotAfter;
        var notSeen = $"VideoSDK assigned the agent, but it was not seen in the room within {seconds:0} s{couldNotAsk}.";
        return again
            ? looked with
            {
                State = JobState.Scheduled,
                Redispatches = job.Redispatches + 1,
                NextAttemptAt = now,
                WakeFor = now,
                LastMessage = $"{notSeen} Dispatching again ({job.Redispatches + 1} of {Confirmation.MaxRedispatches}).",
            }
            : looked with { State = JobState.NotJoined, WakeFor = null, LastMessage = notSeen };
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

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
