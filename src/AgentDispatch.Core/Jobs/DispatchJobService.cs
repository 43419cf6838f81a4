using AgentDispatch.Notifications;
using AgentDispatch.Requests;
using AgentDispatch.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Jobs;

public enum SubmitStatus
{
    /// <summary>A new job; <see cref="SubmitResult.DispatchedNow"/> says whether it was due at once.</summary>
    Created,

    /// <summary>A job for the same idempotency key already existed: it is returned and nothing is dispatched.</summary>
    Duplicate,

    /// <summary>The request cannot become a job (its window has passed, it is too far ahead).</summary>
    Rejected,

    /// <summary>A field names something this deployment will not use (a <c>callbackUrl</c> its URL rules refuse): nothing was looked up or made.</summary>
    Invalid,
}

public sealed record SubmitResult(SubmitStatus Status, DispatchJob? Job, RequestErrors? Errors = null, bool DispatchedNow = false);

public enum ChangeStatus
{
    Changed,
    NotFound,

    /// <summary>The job is past the point where it can change (already dispatching or final).</summary>
    Conflict,
    Rejected,
}

public sealed record ChangeResult(ChangeStatus Status, DispatchJob? Job, RequestErrors? Errors = null);

/// <summary>
/// Creates, finds, cancels and reschedules dispatch jobs. Every source (HTTP, queue, and later
/// webhooks, calendars and schedules) submits through here, so de-duplication, scheduling and
/// retries behave the same whichever way a request arrives.
/// </summary>
public sealed class DispatchJobService(
    DispatchLedger ledger,
    WakeQueue wake,
    DispatchJobRunner runner,
    IOptions<JobsOptions> options,
    IOptionsMonitor<NotificationsOptions> notifications,
    NotificationSecrets secrets,
    TimeProvider time,
    ILogger<DispatchJobService> logger)
{
    /// <summary>Requests due within this much of now are dispatched at once rather than scheduled.</summary>
    public static readonly TimeSpan ImmediateThreshold = TimeSpan.FromSeconds(1);

    private const int MaxGenerations = 100;

    /// <param name="dispatchInline">
    /// True: a job due now is dispatched in this call (the HTTP API and the queue trigger). False: it is
    /// stored and woken through the queue at once, so the caller (a webhook that must answer fast, a
    /// timer) never waits on VideoSDK.
    /// </param>
    public async Task<SubmitResult> SubmitAsync(DispatchJobRequest request, string source, CancellationToken cancellationToken, bool dispatchInline = true)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var activity = AgentDispatchActivities.Start(AgentDispatchActivities.Names.Submit);
        var result = await SubmitTracedAsync(request, source, dispatchInline, cancellationToken).ConfigureAwait(false);
        if (activity is not null)
        {
            activity.SetTag(AgentDispatchActivities.SourceTag, source);
            activity.SetTag("agentdispatch.submit.status", result.Status.ToString());
            if (result.Job is { } job)
            {
                activity.WithJob(job);
            }
        }

        return result;
    }

    private async Task<SubmitResult> SubmitTracedAsync(DispatchJobRequest request, string source, bool dispatchInline, CancellationToken cancellationToken)
    {
        var now = Now();
        var o = options.Value;
        var requestedAt = request.RequestedAt is { } sent && Ms(sent) < now ? Ms(sent) : now;
        var dispatchAt = Ms(request.DispatchAt ?? requestedAt);
        // A dispatchAt the caller chose plus the default window may leave the calendar: refused as too far, below.
        var window = request.NotAfter is { } given ? given : Instants.Plus(dispatchAt, o.DefaultWindow);
        var notAfter = Ms(window ?? DateTimeOffset.MaxValue);
        var key = request.SourceKey
            ?? (request.IdempotencyKey is { } callerKey ? IdempotencyKeys.FromCaller(callerKey) : IdempotencyKeys.Derived(request.Dispatch.MeetingId, request.Dispatch.AgentId, request.DispatchAt));

        if (CallbackProblem(request.CallbackUrl) is { } invalid)
        {
            return new SubmitResult(SubmitStatus.Invalid, null, invalid);
        }

        var errors = new RequestErrors();
        if (window is null)
        {
            errors.Add("dispatchAt", Instants.TooFar + ".");
        }
        else if (notAfter <= now)
        {
            errors.Add(request.NotAfter is null ? "dispatchAt" : "notAfter", $"is too late: the dispatch window closed at {notAfter:o}.");
        }

        if (window is not null && TooFarAhead(dispatchAt, now) is { } tooFar)
        {
            errors.Add("dispatchAt", tooFar);
        }

        if (errors.Any)
        {
            // A repeat of a request that already has a job is answered with that job, whatever the time:
            // "same key, same job" holds after the window too. Only a new request is refused.
            return await LatestAsync(key, cancellationToken).ConfigureAwait(false) is { } known
                ? await RepeatAsync(known, request, source, cancellationToken).ConfigureAwait(false)
                : new SubmitResult(SubmitStatus.Rejected, null, errors);
        }

        var immediate = dispatchInline && dispatchAt <= now + ImmediateThreshold;
        var generation = 0;
        for (var attempt = 0; attempt < MaxGenerations; attempt++)
        {
            var job = NewJob(request, source, key, generation, dispatchAt, notAfter, immediate, now);
            var (stored, inserted) = await ledger.InsertOrGetAsync(job, cancellationToken).ConfigureAwait(false);
            if (inserted)
            {
                Log.JobCreated(logger, stored.Id, source, stored.AgentId, stored.MeetingId, stored.DueAt);
                if (generation > 0)
                {
                    await PointHeadAtAsync(key, generation, cancellationToken).ConfigureAwait(false);
                }

                return await StartAsync(stored, immediate, cancellationToken).ConfigureAwait(false);
            }

            // A "now" key stands for "this agent in this meeting, now". A request made after that job's
            // window closed is a new occasion and takes the next generation; a request made before it
            // closed (a redelivery, however late it arrives) is the same one.
            if (IdempotencyKeys.IsRenewable(key) && stored.IsFinal && requestedAt > stored.NotAfter)
            {
                generation = Math.Max(generation + 1, stored.LatestGeneration);
                continue;
            }

            return await RepeatAsync(stored, request, source, cancellationToken).ConfigureAwait(false);
        }

        throw new InvalidOperationException("Too many generations of one derived idempotency key.");
    }

    /// <summary>
    /// Why a job cannot be (re)scheduled for <paramref name="dispatchAt"/>: further ahead than
    /// <c>Jobs:MaxScheduleAhead</c>; null when it is not. One rule for new jobs, API moves and source moves.
    /// </summary>
    public string? TooFarAhead(DateTimeOffset dispatchAt) => TooFarAhead(dispatchAt, Now());

    private string? TooFarAhead(DateTimeOffset dispatchAt, DateTimeOffset now)
        => dispatchAt > Instants.Add(now, options.Value.MaxScheduleAhead)
            ? $"is too far ahead: at most {options.Value.MaxScheduleAhead.TotalDays:F0} days."
            : null;

    public Task<DispatchJob?> GetAsync(string id, CancellationToken cancellationToken)
        => JobIds.IsWellFormed(id) ? ledger.GetAsync(id, cancellationToken) : Task.FromResult<DispatchJob?>(null);

    /// <summary>A page of jobs; null when the cursor is not one this API gave out.</summary>
    public Task<JobPage?> ListAsync(string? meetingId, JobState? state, int pageSize, string? cursor, CancellationToken cancellationToken)
        => ledger.ListAsync(new JobFilter(meetingId, state), pageSize, cursor, cancellationToken);

    /// <summary>A page of the jobs <paramref name="filter"/> asks for; null when the cursor is not one this API gave out.</summary>
    public Task<JobPage?> ListAsync(JobFilter filter, int pageSize, string? cursor, CancellationToken cancellationToken)
        => ledger.ListAsync(filter, pageSize, cursor, cancellationToken);

    /// <summary>Cancels a job that has not been dispatched; cancelling a cancelled job again is fine.</summary>
    public async Task<ChangeResult> CancelAsync(string id, CancellationToken cancellationToken)
    {
        if (!JobIds.IsWellFormed(id))
        {
            return new ChangeResult(ChangeStatus.NotFound, null);
        }

        var update = await ledger.UpdateAsync(
            id,
            job => job.State == JobState.Scheduled
                ? job with { State = JobState.Cancelled, UpdatedAt = Now(), NextAttemptAt = null, CancelReason = CancelReasons.Api }
                : null,
            cancellationToken).ConfigureAwait(false);
        if (update.Updated)
        {
            Log.Cancelled(logger, id);
        }

        return update switch
        {
            { Status: LedgerUpdateStatus.NotFound } => new ChangeResult(ChangeStatus.NotFound, null),
            { Updated: true } or { Job.State: JobState.Cancelled } => new ChangeResult(ChangeStatus.Changed, update.Job),
            _ => new ChangeResult(ChangeStatus.Conflict, update.Job),
        };
    }

    /// <summary>Moves a job that has not been dispatched to a new time; the old wake-up finds it not due and does nothing.</summary>
    public async Task<ChangeResult> RescheduleAsync(string id, DateTimeOffset dispatchAt, DateTimeOffset? notAfter, CancellationToken cancellationToken)
    {
        dispatchAt = Ms(dispatchAt);
        notAfter = Instants.Ms(notAfter);
        var now = Now();
        var window = notAfter ?? Instants.Plus(dispatchAt, options.Value.DefaultWindow);
        var until = window ?? DateTimeOffset.MaxValue;
        var errors = new RequestErrors();
        if (window is null)
        {
            errors.Add("dispatchAt", Instants.TooFar + ".");
        }
        else if (until <= dispatchAt)
        {
            errors.Add("notAfter", "must be later than dispatchAt.");
        }
        else if (until <= now)
        {
            errors.Add(notAfter is null ? "dispatchAt" : "notAfter", $"is too late: the dispatch window closed at {until:o}.");
        }

        if (window is not null && TooFarAhead(dispatchAt, now) is { } tooFar)
        {
            errors.Add("dispatchAt", tooFar);
        }

        if (errors.Any)
        {
            return new ChangeResult(ChangeStatus.Rejected, null, errors);
        }

        if (!JobIds.IsWellFormed(id))
        {
            return new ChangeResult(ChangeStatus.NotFound, null);
        }

        var update = await ledger.UpdateAsync(
            id,
            job => job.State != JobState.Scheduled ? null : job with
            {
                DispatchAt = dispatchAt,
                NotAfter = until,
                NextAttemptAt = null,
                WakeFor = wake.CanWake(dispatchAt) ? dispatchAt : null,
                UpdatedAt = now,
            },
            cancellationToken).ConfigureAwait(false);
        if (update.Job is not { } saved)
        {
            return new ChangeResult(ChangeStatus.NotFound, null);
        }

        if (!update.Updated)
        {
            return new ChangeResult(ChangeStatus.Conflict, saved);
        }

        Log.Rescheduled(logger, id, dispatchAt);
        if (saved.DispatchAt <= Now() + ImmediateThreshold)
        {
            await runner.WakeAsync(id, saved.DueAt, cancellationToken).ConfigureAwait(false);
            return new ChangeResult(ChangeStatus.Changed, await GetAsync(id, cancellationToken).ConfigureAwait(false));
        }

        if (saved.WakeFor is { } due)
        {
            await wake.SendAsync(id, due, cancellationToken).ConfigureAwait(false);
        }

        return new ChangeResult(ChangeStatus.Changed, saved);
    }

    /// <summary>
    /// The answer to a request whose key already has a job: that job, and nothing dispatched. A caller's
    /// key reused for a different meeting, agent or version is refused rather than silently answered
    /// with the other job. A scheduled job's wake-up is queued again, which repairs one that was lost.
    /// </summary>
    private async Task<SubmitResult> RepeatAsync(DispatchJob stored, DispatchJobRequest request, string source, CancellationToken cancellationToken)
    {
        var asked = request.Dispatch;
        if (stored.MeetingId != asked.MeetingId || stored.AgentId != asked.AgentId || stored.VersionId != asked.VersionId)
        {
            var errors = new RequestErrors();
            errors.Add("idempotencyKey", "was already used for a different meeting, agent or version; use a new key for a new request.");
            return new SubmitResult(SubmitStatus.Rejected, stored, errors);
        }

        Log.Duplicate(logger, stored.Id, source, stored.State);
        if (stored.State == JobState.Scheduled && stored.WakeFor == stored.DueAt && stored.WakeFor is { } due)
        {
            await wake.SendAsync(stored.Id, due, cancellationToken).ConfigureAwait(false);
        }

        return new SubmitResult(SubmitStatus.Duplicate, stored);
    }

    /// <summary>The latest job for <paramref name="key"/>, following the first job's pointer; null when the key was never used.</summary>
    private async Task<DispatchJob?> LatestAsync(string key, CancellationToken cancellationToken)
    {
        var head = await ledger.GetAsync(JobIds.ForKey(key), cancellationToken).ConfigureAwait(false);
        if (head is null || head.LatestGeneration == 0)
        {
            return head;
        }

        return await ledger.GetAsync(JobIds.ForKey(key, head.LatestGeneration), cancellationToken).ConfigureAwait(false) ?? head;
    }

    /// <summary>
    /// Records the newest generation on the key's first job, so the next lookup jumps there. Best
    /// effort: a stale pointer only costs a few extra reads, never a wrong answer.
    /// </summary>
    private async Task PointHeadAtAsync(string key, int generation, CancellationToken cancellationToken)
    {
        await ledger.UpdateAsync(
            JobIds.ForKey(key),
            head => head.LatestGeneration < generation ? head with { LatestGeneration = generation } : null,
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<SubmitResult> StartAsync(DispatchJob stored, bool immediate, CancellationToken cancellationToken)
    {
        if (immediate)
        {
            var attempted = await runner.AttemptClaimedAsync(stored, cancellationToken).ConfigureAwait(false);
            return new SubmitResult(SubmitStatus.Created, attempted, DispatchedNow: true);
        }

        if (stored.WakeFor is { } due)
        {
            // If this send is lost (the process stops right here), the sweep sees the job overdue and wakes it.
            await wake.SendAsync(stored.Id, due, cancellationToken).ConfigureAwait(false);
        }

        return new SubmitResult(SubmitStatus.Created, stored);
    }

    private DispatchJob NewJob(DispatchJobRequest request, string source, string key, int generation, DateTimeOffset dispatchAt, DateTimeOffset notAfter, bool immediate, DateTimeOffset now)
    {
        var job = new DispatchJob
        {
            Id = JobIds.ForKey(key, generation),
            IdempotencyKey = key,
            MeetingId = request.Dispatch.MeetingId,
            AgentId = request.Dispatch.AgentId,
            VersionId = request.Dispatch.VersionId,
            Metadata = request.Dispatch.Metadata,
            Source = source,
            CorrelationId = request.CorrelationId,
            Origin = request.Origin,
            TraceParent = AgentDispatchActivities.CurrentTraceParent(),
            SourceUpdatedAt = request.SourceUpdatedAt,
            LastDeliveryId = request.DeliveryId,
            CallbackUrl = request.CallbackUrl,
            DispatchAt = dispatchAt,
            NotAfter = notAfter,
            State = JobState.Scheduled,
            Generation = generation,
            WakeFor = !immediate && wake.CanWake(dispatchAt) ? dispatchAt : null,
            CreatedAt = now,
            UpdatedAt = now,
        };

        // Due now: the row is written already claimed, so the insert that wins the key is also the claim.
        return immediate ? runner.Claim(job, now) : job;
    }

    /// <summary>Why this deployment will not send events to <paramref name="callback"/>; null when it will (or there is none).</summary>
    private RequestErrors? CallbackProblem(string? callback)
    {
        if (callback is null)
        {
            return null;
        }

        var errors = new RequestErrors();
        if (SubscriberUrls.Problem(callback, notifications.CurrentValue.AllowPrivateNetworks) is { } problem)
        {
            errors.Add("callbackUrl", problem);
        }
        else if (!secrets.CanSignCallbacks())
        {
            errors.Add("callbackUrl", "cannot be used here: no secret to sign its events is configured (Notifications:CallbackSecret).");
        }

        return errors.Any ? errors : null;
    }

    private DateTimeOffset Now() => Ms(time.GetUtcNow());

    private static DateTimeOffset Ms(DateTimeOffset at) => Instants.Ms(at);
}
