using System.Text.RegularExpressions;
using AgentDispatch.Dispatch;
using AgentDispatch.Events.Routing;
using AgentDispatch.Jobs;
using Microsoft.Extensions.Logging;

namespace AgentDispatch.Events;

/// <summary>What became of one meeting event.</summary>
public sealed record EventResult(SourceJobStatus Status, string Reason, DispatchJob? Job = null, string? Rule = null)
{
    /// <summary>True when a job was created, moved or cancelled (stored): what a webhook acknowledges with 202.</summary>
    public bool Stored => Status is SourceJobStatus.Created or SourceJobStatus.Moved or SourceJobStatus.Cancelled;
}

/// <summary>
/// Turns a meeting event from any source into a job: finds the VideoSDK meeting, picks the agent by
/// the routing rules, and creates, moves or cancels the job keyed by the source's own identity, so
/// retries, replays and reschedules all land on one job.
/// </summary>
public sealed partial class MeetingEventProcessor(
    SourceJobs jobs,
    Router router,
    MeetingIdFinder meetingIds,
    Microsoft.Extensions.Options.IOptions<JobsOptions> jobsOptions,
    TimeProvider time,
    ILogger<MeetingEventProcessor> logger,
    Sources.SourceCatalog? catalog = null)
{
    public async Task<EventResult> ProcessAsync(MeetingEvent meetingEvent, SourceChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(meetingEvent);
        var result = meetingEvent.Kind == MeetingEventKind.Cancelled
            ? await CancelAsync(meetingEvent, change, cancellationToken).ConfigureAwait(false)
            : await ScheduleAsync(meetingEvent, change, cancellationToken).ConfigureAwait(false);
        Log.Processed(logger, meetingEvent.Source, meetingEvent.Kind, result.Status, result.Reason, result.Job?.Id, result.Rule);
        return result;
    }

    private async Task<EventResult> CancelAsync(MeetingEvent e, SourceChange change, CancellationToken cancellationToken)
    {
        var cancelled = await jobs.CancelAsync(e.Key, e.CancelledForReschedule, change, cancellationToken).ConfigureAwait(false);
        return new EventResult(cancelled.Status, cancelled.Reason, cancelled.Job);
    }

    private async Task<EventResult> ScheduleAsync(MeetingEvent e, SourceChange change, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (e.Start is not { } start)
        {
            return new EventResult(SourceJobStatus.Ignored, "the event has no start time that can be read (none, or one that " + Instants.OutsideCalendar + ")");
        }

        if ((e.End ?? start) <= now)
        {
            return new EventResult(SourceJobStatus.Ignored, "the meeting has already ended");
        }

        string? meetingId;
        try
        {
            (meetingId, _) = meetingIds.Find(e);
        }
        catch (RegexMatchTimeoutException)
        {
            // As for a routing pattern: not knowing is no "no meeting id", which would cancel the meeting's job.
            return new EventResult(SourceJobStatus.Ignored, "a meeting-id pattern timed out on this event's text; the event was not routed");
        }

        if (meetingId is null)
        {
            return await NoLongerRoutedAsync(e, change, "no VideoSDK meeting id was found in the event (meeting id, join URL, location or description)", cancellationToken).ConfigureAwait(false);
        }

        // The rules added through the API, after the settings' ones. Unreadable, the event fails (and is
        // retried by its source, or at the next poll): routing without them could cancel a job they would keep.
        var runtimeRules = catalog is null ? [] : (await catalog.GetAsync(cancellationToken).ConfigureAwait(false)).Rules;
        Route? route;
        try
        {
            route = router.Match(e, meetingId, runtimeRules);
        }
        catch (RegexMatchTimeoutException)
        {
            // Not routed and nothing changed: a pattern that runs away is a configuration problem to fix, not a "no".
            return new EventResult(SourceJobStatus.Ignored, "a routing rule's pattern timed out on this event's text; the event was not routed");
        }

        if (route is null && e.DefaultAgentId is { } agentId)
        {
            route = new Route($"{e.Origin ?? e.Source} (default agent)", agentId, null, TimeSpan.Zero, null, null);
        }

        if (route is null)
        {
            return await NoLongerRoutedAsync(e, change, router.Count + runtimeRules.Count == 0 ? "no routing rules are configured" : "no routing rule matched the event", cancellationToken).ConfigureAwait(false);
        }

        // The start is the sender's: at the ends of the calendar the lead time or the window takes it out
        // of DateTimeOffset's range. Such an event cannot be scheduled, like one whose window has passed.
        if (Instants.Plus(start, -route.LeadTime) is not { } dispatchAt
            || (route.NotAfter is { } offset ? Instants.Plus(start, offset) : Instants.Plus(dispatchAt, jobsOptions.Value.DefaultWindow)) is not { } notAfter)
        {
            return new EventResult(SourceJobStatus.Ignored, "the meeting's start time " + Instants.TooFar, Rule: route.RuleName);
        }

        var request = new DispatchJobRequest(
            new DispatchRequest(meetingId, route.AgentId, route.Metadata, route.VersionId),
            DispatchAt: dispatchAt,
            // Always explicit: a moved meeting's window moves with it.
            NotAfter: notAfter)
        {
            SourceKey = e.Key,
            Origin = e.Origin,
        };

        var result = e.PreviousKey is { } previous
            ? await jobs.MoveAsync(previous, request, e.Source, change, cancellationToken).ConfigureAwait(false)
            : await jobs.ScheduleAsync(request, e.Source, change, cancellationToken).ConfigureAwait(false);
        return new EventResult(result.Status, result.Reason, result.Job, route.RuleName);
    }

    /// <summary>
    /// An event that gets no agent (no meeting id, no matching rule). If it updates a meeting that had a
    /// job (the join URL was removed, the title no longer matches), the job is cancelled: the meeting as
    /// it is now does not want an agent. A later update that does brings it back.
    /// </summary>
    private async Task<EventResult> NoLongerRoutedAsync(MeetingEvent e, SourceChange change, string reason, CancellationToken cancellationToken)
    {
        foreach (var key in e.PreviousKey is { } previous ? [e.Key, previous] : new[] { e.Key })
        {
            var cancelled = await jobs.CancelAsync(key, forReschedule: false, change, cancellationToken, tombstone: false).ConfigureAwait(false);
            if (cancelled is { Status: SourceJobStatus.Cancelled, Job: { } job })
            {
                return new EventResult(SourceJobStatus.Cancelled, reason + ": the meeting's job is cancelled", job);
            }
        }

        return new EventResult(SourceJobStatus.Ignored, reason);
    }
}
