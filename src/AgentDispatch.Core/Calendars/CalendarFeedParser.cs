using AgentDispatch.Events;

namespace AgentDispatch.Calendars;

/// <summary>
/// Turns an iCalendar feed into <see cref="MeetingEvent"/>s, one per occurrence in a window around now:
/// recurring events expanded by Ical.Net, EXDATEs removed, RECURRENCE-ID overrides applied (the highest
/// SEQUENCE wins), TZIDs honoured and STATUS:CANCELLED turned into cancellations.
/// </summary>
/// <remarks>
/// <para>
/// Each occurrence's <see cref="MeetingEvent.Key"/> is <c>calendar:{feed}\n{UID}\n{identity}</c>. The identity is
/// the occurrence's slot in its series, the start the recurrence rule gives it (its RECURRENCE-ID), in UTC
/// round-trip format; <c>single</c> for an event that does not recur. So an overridden occurrence keeps the key
/// of the slot it replaces and a moved one is a reschedule, not a new meeting.
/// </para>
/// <para>
/// The work is split by what it is about: <see cref="IcsOutline"/> and <see cref="IcsLoader"/> read the text,
/// <see cref="SeriesReader"/> expands series and applies overrides, <see cref="EventTimes"/> reads times and
/// zones, and <see cref="MeetingEventMapper"/> makes each occurrence a meeting event.
/// </para>
/// </remarks>
public static class CalendarFeedParser
{
    /// <summary>How far back the window reaches, so a just-started or just-cancelled occurrence is still seen.</summary>
    public static readonly TimeSpan LookBack = TimeSpan.FromDays(1);

    /// <summary>The identity of the one occurrence of an event without RRULE or RDATE.</summary>
    public const string SingleIdentity = "single";

    /// <summary>More occurrences than this from one series in the window is taken for a mistake (FREQ=MINUTELY), not meetings.</summary>
    internal const int MaxOccurrencesPerSeries = 1000;

    /// <summary>
    /// More VEVENTs than this in one feed is not read at all (a feed is at most <c>Calendars:MaxBytes</c>, and
    /// every VEVENT is parsed on every poll): the feed is left as it is and its error says why.
    /// </summary>
    public const int MaxEvents = 20_000;

    /// <summary>
    /// More occurrences than this in one feed's window is not applied (each is a ledger write or read on every
    /// poll): the feed is left as it is and its error says why, rather than some of its meetings dropped.
    /// </summary>
    public const int MaxOccurrences = 10_000;

    public static CalendarParseResult Parse(string feedName, string icsText, DateTimeOffset now, TimeSpan horizon)
    {
        ArgumentException.ThrowIfNullOrEmpty(feedName);
        ArgumentNullException.ThrowIfNull(icsText);

        // A range to read, so held at the ends of the calendar rather than refused (Instants.Add).
        var reading = new FeedReading(feedName, Jobs.Instants.Add(now, -LookBack), Jobs.Instants.Add(now, horizon));
        var components = IcsLoader.Load(feedName, icsText, reading);
        foreach (var series in components.GroupBy(c => c.Uid, StringComparer.Ordinal))
        {
            SeriesReader.Read(series.Key, [.. series], reading);
        }

        if (reading.Occurrences.Count > MaxOccurrences)
        {
            throw new CalendarFeedException(feedName, $"has {reading.Occurrences.Count} occurrences in the window, more than {MaxOccurrences}: it was not read, its meetings are left as they are.", isTransient: false);
        }

        return new CalendarParseResult
        {
            Occurrences = [.. reading.Occurrences.OrderBy(o => o.Start).ThenBy(o => o.Key, StringComparer.Ordinal)],
            Problems = reading.Problems,
            WindowStart = reading.WindowStart,
            WindowEnd = reading.WindowEnd,
            UnreadUids = reading.UnreadUids,
        };
    }
}
