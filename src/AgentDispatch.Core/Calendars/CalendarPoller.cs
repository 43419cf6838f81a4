using System.Collections.Concurrent;
using AgentDispatch.Events;
using AgentDispatch.Jobs;
using AgentDispatch.Sources;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Calendars;

/// <summary>What one poll did, summed over the feeds.</summary>
public sealed record CalendarPollReport(int Feeds, int Created, int Moved, int Cancelled, int Unchanged, int Ignored, int FailedFeeds)
{
    /// <summary>For one feed: why it could not be synced this time; null when it was.</summary>
    public string? Error { get; init; }
}

/// <summary>
/// Reconciles each calendar feed with the ledger: every occurrence in the horizon becomes (or stays,
/// or moves) a job keyed by its slot, cancelled occurrences cancel theirs, and the feed's scheduled
/// jobs whose occurrences are gone are cancelled. A feed that cannot be fetched or read changes
/// nothing: a feed briefly down must not look like a feed emptied. Polling twice creates nothing new.
/// The feeds are those of the settings and those added through the API (read at every poll, so one
/// added, changed or deleted takes effect at the next poll without a restart). Each feed's outcome is
/// recorded (<c>lastSyncAt</c>, <c>lastError</c>, <c>nextSyncAt</c>, shown by <c>/api/calendars</c>) and
/// logged when it changes (failing, failing otherwise, syncing again), not at every poll.
/// </summary>
public sealed class CalendarPoller(
    CalendarFeedFetcher fetcher,
    MeetingEventProcessor processor,
    SourceJobs jobs,
    IOptions<CalendarOptions> options,
    TimeProvider time,
    ILogger<CalendarPoller> logger,
    SourceCatalog? catalog = null,
    SourceStore? syncs = null,
    IConfiguration? configuration = null)
{
    // The last outcome logged per feed (null: syncing), so a feed that keeps failing is logged once.
    private readonly ConcurrentDictionary<string, string?> _states = new(StringComparer.OrdinalIgnoreCase);

    public async Task<CalendarPollReport> PollAsync(CancellationToken cancellationToken)
    {
        var feeds = options.Value.Feeds.Select(feed => new RuntimeCalendar(feed, null)).ToList();
        if (catalog is not null)
        {
            try
            {
                feeds.AddRange((await catalog.GetAsync(cancellationToken).ConfigureAwait(false)).Calendars);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The settings' feeds are polled all the same; the runtime ones at the next poll that can read them.
                Log.RuntimeFeedsUnreadable(logger, ex.GetType().Name, ex);
            }
        }

        var total = new CalendarPollReport(0, 0, 0, 0, 0, 0, 0);
        foreach (var (feed, unusable) in feeds)
        {
            CalendarPollReport report;
            try
            {
                report = unusable is null
                    ? await PollFeedAsync(feed, cancellationToken).ConfigureAwait(false)
                    : Skipped(feed, unusable);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Storage failing halfway through one feed must not starve the others. Nothing was
                // cancelled for it (that step runs last), and the next poll picks up where this one stopped.
                Log.PollFailed(logger, feed.Name, ex);
                report = new CalendarPollReport(1, 0, 0, 0, 0, 0, 1) { Error = $"the poll failed ({ex.GetType().Name}); the next poll tries again." };
            }

            await RecordAsync(feed.Name, report.Error, cancellationToken).ConfigureAwait(false);

            total = new CalendarPollReport(
                total.Feeds + 1, total.Created + report.Created, total.Moved + report.Moved, total.Cancelled + report.Cancelled,
                total.Unchanged + report.Unchanged, total.Ignored + report.Ignored, total.FailedFeeds + report.FailedFeeds);
        }

        return total;
    }

    public async Task<CalendarPollReport> PollFeedAsync(CalendarFeedOptions feed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(feed);
        var now = time.GetUtcNow();
        CalendarParseResult parsed;
        try
        {
            var text = await fetcher.FetchAsync(feed, cancellationToken, logFailure: false).ConfigureAwait(false);
            parsed = CalendarFeedParser.Parse(feed.Name, text, now, options.Value.Horizon);
        }
        catch (CalendarFeedException ex)
        {
            return Skipped(feed, ex.Reason);
        }

        if (_states.TryGetValue(feed.Name, out var was) && was is not null)
        {
            Log.FeedRecovered(logger, feed.Name);
        }

        _states[feed.Name] = null;

        foreach (var problem in parsed.Problems)
        {
            Log.Problem(logger, feed.Name, problem);
        }

        int created = 0, moved = 0, cancelled = 0, unchanged = 0, ignored = 0;
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var occurrence in parsed.Occurrences)
        {
            if (occurrence.Kind != MeetingEventKind.Cancelled)
            {
                present.Add(occurrence.Key);
            }

            var result = await processor.ProcessAsync(occurrence, SourceChange.None, cancellationToken).ConfigureAwait(false);
            switch (result.Status)
            {
                case SourceJobStatus.Created: created++; break;
                case SourceJobStatus.Moved: moved++; break;
                case SourceJobStatus.Cancelled: cancelled++; break;
                case SourceJobStatus.Unchanged: unchanged++; break;
                default: ignored++; break;
            }
        }

        // The jobs of events that could not be read this time are kept: unreadable is not removed.
        var origin = $"calendar:{feed.Name}";
        var keep = parsed.UnreadUids.Select(uid => $"calendar:{feed.Name}\n{uid}\n").ToList();
        cancelled += await jobs.CancelMissingAsync(origin, present, now, parsed.WindowEnd, keep, cancellationToken).ConfigureAwait(false);
        Log.Polled(logger, feed.Name, parsed.Occurrences.Count, created, moved, cancelled, unchanged, ignored);
        return new CalendarPollReport(1, created, moved, cancelled, unchanged, ignored, 0);
    }
    /// <summary>A feed left as it is this poll, logged when this is news (it was syncing, or failing otherwise).</summary>
    private CalendarPollReport Skipped(CalendarFeedOptions feed, string reason)
    {
        if (!_states.TryGetValue(feed.Name, out var was) || was != reason)
        {
            Log.FeedSkipped(logger, feed.Name, reason);
        }
        else
        {
            Log.FeedStillSkipped(logger, feed.Name, reason);
        }

        _states[feed.Name] = reason;
        return new CalendarPollReport(1, 0, 0, 0, 0, 0, 1) { Error = reason };
    }

    /// <summary>Records the feed's outcome for <c>/api/calendars</c>; a failure to record it is logged, never fails the poll.</summary>
    private async Task RecordAsync(string feed, string? error, CancellationToken cancellationToken)
    {
        if (syncs is null)
        {
            return;
        }

        var now = time.GetUtcNow();
        try
        {
            var lastSync = error is null ? now : (await syncs.GetSyncAsync(feed, cancellationToken).ConfigureAwait(false))?.LastSyncAt;
            var next = configuration is null ? null : CalendarPollSchedule.Next(configuration, now);
            await syncs.RecordSyncAsync(feed, new CalendarSync(now, lastSync, error, next), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.SyncNotRecorded(logger, feed, ex.GetType().Name);
        }
    }
}
