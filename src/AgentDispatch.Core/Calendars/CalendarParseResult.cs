using AgentDispatch.Events;

namespace AgentDispatch.Calendars;

/// <summary>
/// What one feed says about the meetings in a window: every occurrence in it (scheduled or cancelled),
/// and what could not be read. An occurrence that was removed (an EXDATE, a deleted event, a shortened
/// series) is simply absent.
/// </summary>
public sealed record CalendarParseResult
{
    /// <summary>
    /// Occurrences whose start, or whose original slot, lies in [<see cref="WindowStart"/>, <see cref="WindowEnd"/>],
    /// ordered by start. A moved occurrence keeps the <see cref="MeetingEvent.Key"/> of its slot, so its start
    /// may lie outside the window when it was moved out of it.
    /// </summary>
    public required IReadOnlyList<MeetingEvent> Occurrences { get; init; }

    /// <summary>One line per thing skipped or read with an assumption (no secrets: names, UIDs and times only).</summary>
    public required IReadOnlyList<string> Problems { get; init; }

    /// <summary>The window's start: <c>now</c> minus <see cref="CalendarFeedParser.LookBack"/>.</summary>
    public required DateTimeOffset WindowStart { get; init; }

    /// <summary>The window's end: <c>now</c> plus the horizon.</summary>
    public required DateTimeOffset WindowEnd { get; init; }

    /// <summary>
    /// UIDs with a VEVENT that could not be read this time (bad DTSTART, unknown TZID, broken RRULE, ...).
    /// Their occurrences may be missing from <see cref="Occurrences"/> without having been removed: leave
    /// their jobs as they are rather than cancel them.
    /// </summary>
    public required IReadOnlySet<string> UnreadUids { get; init; }
}
