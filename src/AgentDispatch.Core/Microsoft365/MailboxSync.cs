using AgentDispatch.Events;
using AgentDispatch.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Microsoft365;

/// <summary>What one sync of a mailbox did.</summary>
/// <param name="RetryAt">When Graph allows the next try, after a throttle; the caller queues it for then.</param>
public sealed record MailboxSyncReport(
    string Mailbox, bool Succeeded, bool Full, int Created, int Moved, int Cancelled, int Unchanged, int Ignored, int Requests, string? Error = null, DateTimeOffset? RetryAt = null);

/// <summary>
/// Reads what changed in a mailbox's calendar view with Graph's delta query and applies it to the jobs.
/// The first sync (and one whose delta link Graph no longer knows, whose mailbox setting changed, or
/// whose window is half used up) is a full one over now - 1 h … now + <c>Microsoft365:Horizon</c>: it
/// also cancels the mailbox's scheduled jobs whose events are no longer there. Later syncs follow the
/// stored delta link: <c>@removed</c> and <c>isCancelled</c> cancel, moved events move, new ones create.
/// A failure changes no delta link: the next sync reads the same changes again, and applying a change
/// twice changes nothing.
/// </summary>
public sealed class MailboxSync(
    GraphClients graph,
    MailboxStateStore store,
    MeetingEventProcessor processor,
    SourceJobs jobs,
    IOptions<Microsoft365Options> options,
    TimeProvider time,
    ILogger<MailboxSync> logger)
{
    /// <summary>How far back the window starts: meetings under way keep their jobs.</summary>
    public static readonly TimeSpan WindowStartsBefore = TimeSpan.FromHours(1);

    /// <summary>After a failure that is not a throttle, how soon the timer tries again.</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromMinutes(1);

    private const int MaxPages = 1000;

    public async Task<MailboxSyncReport> SyncAsync(MailboxDefinition mailbox, bool full, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        var o = options.Value;
        var startedAt = time.GetUtcNow();
        var before = await store.UpdateAsync(mailbox.Name, s => s with { LastSyncStartedAt = startedAt }, cancellationToken).ConfigureAwait(false);
        if (before.ThrottledUntil is { } until && until > startedAt)
        {
            return new MailboxSyncReport(mailbox.Name, false, false, 0, 0, 0, 0, 0, 0, before.LastError, until);
        }

        full = full || before.DeltaLink is null || before.SyncedMailbox != mailbox.Mailbox || before.WindowEnd is not { } end || end - startedAt < o.Horizon / 2;
        var counts = new Counts();
        using var client = graph.Create();
        try
        {
            string deltaLink;
            DateTimeOffset windowEnd;
            try
            {
                (deltaLink, windowEnd) = full
                    ? await FullAsync(client, mailbox, startedAt, counts, cancellationToken).ConfigureAwait(false)
                    : (await FollowAsync(client, mailbox, () => client.NextDeltaAsync(mailbox.Mailbox, before.DeltaLink!, cancellationToken), null, counts, cancellationToken).ConfigureAwait(false), before.WindowEnd!.Value);
            }
            catch (GraphRequestException ex) when (ex.Kind == GraphFailureKind.SyncStateGone && !full)
            {
                Log.DeltaLinkGone(logger, mailbox.Name);
                full = true;
                (deltaLink, windowEnd) = await FullAsync(client, mailbox, startedAt, counts, cancellationToken).ConfigureAwait(false);
            }

            var now = time.GetUtcNow();
            await store.UpdateAsync(
                mailbox.Name,
                s => s with
                {
                    DeltaLink = deltaLink,
                    WindowEnd = windowEnd,
                    SyncedMailbox = mailbox.Mailbox,
                    LastSyncAt = now,
                    NextSyncAt = now + o.ResyncInterval,
                    ThrottledUntil = null,
                    LastError = null,
                    LastErrorAt = null,
                },
                cancellationToken).ConfigureAwait(false);
            if (before.LastError is not null)
            {
                Log.MailboxRecovered(logger, mailbox.Name);
            }

            Log.Synced(logger, mailbox.Name, full, counts.Created, counts.Moved, counts.Cancelled, counts.Unchanged, counts.Ignored, counts.Requests);
            return counts.Report(mailbox.Name, true, full);
        }
        catch (GraphRequestException ex)
        {
            var now = time.GetUtcNow();
            var error = MailboxProblems.Describe(mailbox, ex);
            DateTimeOffset? throttledUntil = ex.Kind == GraphFailureKind.Throttled ? now + (ex.RetryAfter ?? RetryAfterFailure) : null;
            var next = throttledUntil ?? now + (ex.Kind is GraphFailureKind.Transient or GraphFailureKind.SyncStateGone ? RetryAfterFailure : o.ResyncInterval);
            await store.UpdateAsync(
                mailbox.Name,
                s => s with { LastError = error, LastErrorAt = now, NextSyncAt = next, ThrottledUntil = throttledUntil },
                cancellationToken).ConfigureAwait(false);
            if (before.LastError != error)
            {
                Log.MailboxFailing(logger, mailbox.Name, ex.Kind, error);
            }

            return counts.Report(mailbox.Name, false, full) with { Error = error, RetryAt = throttledUntil };
        }
    }

    private async Task<(string DeltaLink, DateTimeOffset WindowEnd)> FullAsync(
        GraphMailboxClient client, MailboxDefinition mailbox, DateTimeOffset now, Counts counts, CancellationToken cancellationToken)
    {
        var start = now - WindowStartsBefore;
        var end = now + options.Value.Horizon;
        var present = new HashSet<string>(StringComparer.Ordinal);
        var deltaLink = await FollowAsync(client, mailbox, () => client.StartDeltaAsync(mailbox.Mailbox, start, end, cancellationToken), present, counts, cancellationToken).ConfigureAwait(false);
        // Only after every page was read: a sync that failed halfway must not look like an emptied calendar.
        counts.Cancelled += await jobs.CancelMissingAsync(mailbox.Origin, present, now, end, [], cancellationToken).ConfigureAwait(false);
        return (deltaLink, end);
    }

    /// <param name="present">For a full sync: the keys of the events still there, collected.</param>
    private async Task<string> FollowAsync(
        GraphMailboxClient client, MailboxDefinition mailbox, Func<Task<DeltaPage>> first, HashSet<string>? present, Counts counts, CancellationToken cancellationToken)
    {
        counts.Requests++;
        var page = await first().ConfigureAwait(false);
        for (var pages = 1; ; pages++)
        {
            foreach (var item in page.Events)
            {
                await ApplyAsync(mailbox, item, present, counts, cancellationToken).ConfigureAwait(false);
            }

            if (page.DeltaLink is { Length: > 0 } deltaLink)
            {
                return deltaLink;
            }

            if (page.NextLink is not { Length: > 0 } nextLink || pages >= MaxPages)
            {
                throw new GraphRequestException(GraphFailureKind.Transient, null, null, "Graph's delta pages ended without a delta link.");
            }

            counts.Requests++;
            page = await client.NextDeltaAsync(mailbox.Mailbox, nextLink, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ApplyAsync(MailboxDefinition mailbox, Microsoft.Graph.Models.Event item, HashSet<string>? present, Counts counts, CancellationToken cancellationToken)
    {
        // An id over the limit cannot have made a job (nothing is cut), so there is nothing of it to cancel either.
        if (item.Id is not { Length: > 0 and <= EventLimits.MaxGraphEventIdLength } id)
        {
            counts.Ignored++;
            return;
        }

        if (GraphEventMapper.IsRemoved(item))
        {
            var cancelled = await jobs.CancelAsync(GraphEventMapper.Key(mailbox, id), forReschedule: false, SourceChange.None, cancellationToken, tombstone: false).ConfigureAwait(false);
            counts.Add(cancelled.Status);
            return;
        }

        if (item.Type == Microsoft.Graph.Models.EventType.SeriesMaster)
        {
            // The calendar view lists each occurrence itself; a series master is not a meeting time.
            counts.Ignored++;
            return;
        }

        var meeting = GraphEventMapper.ToMeetingEvent(mailbox, item);
        if (meeting.Kind != MeetingEventKind.Cancelled)
        {
            present?.Add(meeting.Key);
        }

        var result = await processor.ProcessAsync(meeting, new SourceChange(item.LastModifiedDateTime, null), cancellationToken).ConfigureAwait(false);
        counts.Add(result.Status);
    }

    private sealed class Counts
    {
        public int Created;
        public int Moved;
        public int Cancelled;
        public int Unchanged;
        public int Ignored;
        public int Requests;

        public void Add(SourceJobStatus status)
        {
            switch (status)
            {
                case SourceJobStatus.Created: Created++; break;
                case SourceJobStatus.Moved: Moved++; break;
                case SourceJobStatus.Cancelled: Cancelled++; break;
                case SourceJobStatus.Unchanged: Unchanged++; break;
                default: Ignored++; break;
            }
        }

        public MailboxSyncReport Report(string mailbox, bool succeeded, bool full)
            => new(mailbox, succeeded, full, Created, Moved, Cancelled, Unchanged, Ignored, Requests);
    }
}
