using AgentDispatch.Events;
using AgentDispatch.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Calendars;

/// <summary>What one poll did, summed over the feeds.</summary>
public sealed record CalendarPollReport(int Feeds, int Created, int Moved, int Cancelled, int Unchanged, int Ignored, int FailedFeeds);

/// <summary>
/// Reconciles each calendar feed with the ledger: every occurrence in the horizon becomes (or stays,
/// or moves) a job keyed by its slot, cancelled occurrences cancel theirs, and the feed's scheduled
/// jobs whose occurrences are gone are cancelled. A feed that cannot be fetched or read changes
/// nothing: a feed briefly down must not look like a feed emptied. Polling twice creates nothing new.
/// </summary>
public sealed class CalendarPoller(
    CalendarFeedFetcher fetcher,
    MeetingEventProcessor processor,
    SourceJobs jobs,
    IOptions<CalendarOptions> options,
    TimeProvider time,
    ILogger<CalendarPoller> logger)
{
    public async Task<CalendarPollReport> PollAsync(CancellationToken cancellationToken)
    {
        var total = new CalendarPollReport(0, 0, 0, 0, 0, 0, 0);
        foreach (var feed in options.Value.Feeds)
        {
            CalendarPollReport report;
            try
            {
                report = await PollFeedAsync(feed, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Storage failing halfway through one feed must not starve the others. Nothing was
                // cancelled for it (that step runs last), and the next poll picks up where this one stopped.
                Log.PollFailed(logger, feed.Name, ex);
                report = new CalendarPollReport(1, 0, 0, 0, 0, 0, 1);
            }

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
            var text = await fetcher.FetchAsync(feed, cancellationToken).ConfigureAwait(false);
            parsed = CalendarFeedParser.Parse(feed.Name, text, now, options.Value.Horizon);
        }
        catch (CalendarFeedException ex)
        {
            Log.FeedSkipped(logger, feed.Name, ex.Reason);
            return new CalendarPollReport(1, 0, 0, 0, 0, 0, 1);
        }

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
}
