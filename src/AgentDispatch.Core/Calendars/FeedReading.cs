using AgentDispatch.Events;
using Ical.Net.CalendarComponents;

namespace AgentDispatch.Calendars;

/// <summary>One parse of one feed: its window, and what has been found and what could not be read so far.</summary>
internal sealed class FeedReading(string feed, DateTimeOffset windowStart, DateTimeOffset windowEnd)
{
    public string Feed { get; } = feed;

    public DateTimeOffset WindowStart { get; } = windowStart;

    public DateTimeOffset WindowEnd { get; } = windowEnd;

    public List<MeetingEvent> Occurrences { get; } = [];

    public List<string> Problems { get; } = [];

    public HashSet<string> UnreadUids { get; } = new(StringComparer.Ordinal);

    /// <summary>Series already reported as floating, so a daily one makes one problem line, not one per day.</summary>
    public HashSet<string> FloatingReported { get; } = new(StringComparer.Ordinal);

    public bool InWindow(DateTime utc) => utc >= WindowStart.UtcDateTime && utc <= WindowEnd.UtcDateTime;

    public void Unread(string uid, string problem)
    {
        UnreadUids.Add(uid);
        Problems.Add(problem);
    }

    /// <summary>Longest summary a problem line quotes: each problem line is logged.</summary>
    public const int MaxLabelSummaryLength = 100;

    /// <summary>Longest other text of the feed's own (a TZID) a problem line quotes.</summary>
    public const int MaxQuotedLength = 100;

    /// <summary>How problem lines name an event: its summary (cut) when it has one, and always its UID.</summary>
    public static string Label(CalendarEvent evt, string uid)
        => MeetingEventMapper.NonEmpty(evt.Summary) is { } summary ? $"'{EventLimits.Cut(summary, MaxLabelSummaryLength)}' (UID {uid})" : $"UID {uid}";
}
