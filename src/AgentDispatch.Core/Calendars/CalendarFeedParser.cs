using System.Globalization;
using AgentDispatch.Events;
using AgentDispatch.Jobs;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Evaluation;

namespace AgentDispatch.Calendars;

/// <summary>
/// Turns an iCalendar feed into <see cref="MeetingEvent"/>s, one per occurrence in a window around now:
/// recurring events expanded by Ical.Net, EXDATEs removed, RECURRENCE-ID overrides applied (the highest
/// SEQUENCE wins), TZIDs honoured and STATUS:CANCELLED turned into cancellations.
/// </summary>
/// <remarks>
/// Each occurrence's <see cref="MeetingEvent.Key"/> is <c>calendar:{feed}\n{UID}\n{identity}</c>. The identity is
/// the occurrence's slot in its series, the start the recurrence rule gives it (its RECURRENCE-ID), in UTC
/// round-trip format; <c>single</c> for an event that does not recur. So an overridden occurrence keeps the key
/// of the slot it replaces and a moved one is a reschedule, not a new meeting.
/// </remarks>
public static class CalendarFeedParser
{
    /// <summary>How far back the window reaches, so a just-started or just-cancelled occurrence is still seen.</summary>
    public static readonly TimeSpan LookBack = TimeSpan.FromDays(1);

    /// <summary>The identity of the one occurrence of an event without RRULE or RDATE.</summary>
    public const string SingleIdentity = "single";

    /// <summary>More occurrences than this from one series in the window is taken for a mistake (FREQ=MINUTELY), not meetings.</summary>
    internal const int MaxOccurrencesPerSeries = 1000;

    // Ical.Net steps through a rule one FREQ interval at a time; a rule that can never match
    // (BYMONTH=2;BYMONTHDAY=30) would step forever without this.
    private static readonly EvaluationOptions Evaluation = new() { MaxUnmatchedIncrementsLimit = 100_000 };

    private const string Wrapper = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//AgentDispatch//calendar feed//EN\r\n";

    public static CalendarParseResult Parse(string feedName, string icsText, DateTimeOffset now, TimeSpan horizon)
    {
        ArgumentException.ThrowIfNullOrEmpty(feedName);
        ArgumentNullException.ThrowIfNull(icsText);

        var reading = new Reading(feedName, now.ToUniversalTime() - LookBack, now.ToUniversalTime() + horizon);
        var components = Load(feedName, icsText, reading);
        foreach (var series in components.GroupBy(c => c.Uid, StringComparer.Ordinal))
        {
            ReadSeries(series.Key, [.. series], reading);
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

    /// <summary>One VEVENT of the feed: loaded, or the reason it could not be.</summary>
    private sealed record Component(int Number, string Uid, bool IsOverride, CalendarEvent? Event, string? LoadError);

    /// <summary>An event's own start and time zone, checked before anything is expanded.</summary>
    private sealed record Checked(CalendarEvent Event, string? TimeZone, bool Floating);

    private sealed class Reading(string feed, DateTimeOffset windowStart, DateTimeOffset windowEnd)
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
    }

    private static List<Component> Load(string feedName, string icsText, Reading reading)
    {
        // A byte order mark that survived decoding makes Ical.Net reject the first line.
        var text = icsText.TrimStart('\uFEFF');
        var outline = IcsOutline.Read(text);
        if (outline.Error is not null)
        {
            throw new CalendarFeedException(feedName, $"not a valid iCalendar file ({outline.Error}).", isTransient: false);
        }

        IReadOnlyList<CalendarEvent>? events = null;
        try
        {
            events = [.. CalendarCollection.Load(text).SelectMany(calendar => calendar.Events)];
        }
        catch (Exception ex) when (IsParseFailure(ex))
        {
            // One bad property (an unknown FREQ, say) fails the whole file in Ical.Net: read it event by event below.
        }

        var components = new List<Component>(outline.Events.Count);
        for (var i = 0; i < outline.Events.Count; i++)
        {
            var block = outline.Events[i];
            var number = i + 1;
            if (string.IsNullOrWhiteSpace(block.Uid))
            {
                reading.Problems.Add($"VEVENT #{number} has no UID, so it could not be followed from one poll to the next: skipped.");
                continue;
            }

            // Both lists come from the same VEVENTs in the same order; if they ever disagree, trust neither pairing.
            string? error = null;
            var loaded = events is not null && events.Count == outline.Events.Count ? events[i] : LoadOne(block.Text, out error);
            if (loaded is not null && block.HasRecurrenceId && loaded.RecurrenceIdentifier is null)
            {
                // Read as the series itself, a bad RECURRENCE-ID would replace the whole series with one occurrence.
                (loaded, error) = (null, "its RECURRENCE-ID is not a valid date-time");
            }

            components.Add(loaded is not null
                ? new Component(number, loaded.Uid ?? block.Uid, loaded.RecurrenceIdentifier is not null, loaded, null)
                : new Component(number, block.Uid, block.HasRecurrenceId, null, error ?? "unreadable"));
        }

        return components;
    }

    private static CalendarEvent? LoadOne(string veventText, out string? error)
    {
        try
        {
            var events = Ical.Net.Calendar.Load(Wrapper + veventText + "END:VCALENDAR\r\n")?.Events;
            error = events is { Count: 1 } ? null : "unreadable";
            return events is { Count: 1 } ? events[0] : null;
        }
        catch (Exception ex) when (IsParseFailure(ex))
        {
            error = ex.Message;
            return null;
        }
    }

    private static bool IsParseFailure(Exception ex)
        => ex is System.Runtime.Serialization.SerializationException or ArgumentException or FormatException
            or InvalidOperationException or OverflowException or NotSupportedException or EvaluationException;

    private static void ReadSeries(string uid, List<Component> components, Reading reading)
    {
        if (components.FirstOrDefault(c => c.Event is null) is { } broken)
        {
            reading.Unread(uid, $"VEVENT #{broken.Number} (UID {uid}) could not be read ({broken.LoadError}): its meetings are left as they are.");
            return;
        }

        var masters = components.Where(c => !c.IsOverride).Select(c => c.Event!).ToList();
        CalendarEvent? master = null;
        if (masters.Count > 0)
        {
            master = Latest(masters);
            if (masters.Count > 1)
            {
                reading.Problems.Add($"UID {uid} has {masters.Count} VEVENTs without RECURRENCE-ID: the one with the highest SEQUENCE is used.");
            }
        }

        Checked? checkedMaster = null;
        if (master is not null)
        {
            checkedMaster = Check(uid, master, reading, out var allDay);
            if (checkedMaster is null)
            {
                if (!allDay)
                {
                    // A series that cannot be read says nothing about its overrides' slots either.
                    return;
                }

                // Said only for events on the days in the window: a feed's history of all-day events is no news.
                if (HasOccurrenceInWindow(master, reading))
                {
                    reading.Problems.Add($"{Label(master, uid)} is an all-day event: skipped, it has no time to dispatch at.");
                }

                return;
            }
        }

        // The override that counts for a slot is the one with the highest SEQUENCE (the last one on a tie).
        var overrides = new Dictionary<DateTime, CalendarEvent>();
        try
        {
            foreach (var slot in components.Where(c => c.IsOverride).Select(c => c.Event!).ToLookup(e => SlotOf(e, master)))
            {
                overrides[slot.Key] = Latest([.. slot]);
            }
        }
        catch (Exception ex) when (IsParseFailure(ex))
        {
            // Without its slot an override could be neither applied nor told apart from the series.
            reading.Unread(uid, $"UID {uid} has a RECURRENCE-ID that could not be read ({ex.Message}): its meetings are left as they are.");
            return;
        }

        var recurring = master is not null && IsRecurring(master);
        if (checkedMaster is not null)
        {
            if (!ExpandMaster(uid, checkedMaster, recurring, overrides, reading))
            {
                return;
            }
        }

        foreach (var (slot, replacement) in overrides)
        {
            ReadOverride(uid, slot, replacement, checkedMaster, recurring, reading);
        }
    }

    /// <returns>False when the series could not be expanded and was left as it is.</returns>
    private static bool ExpandMaster(string uid, Checked master, bool recurring, Dictionary<DateTime, CalendarEvent> overrides, Reading reading)
    {
        var occurrences = new List<(DateTime Start, DateTime? End)>();
        try
        {
            foreach (var occurrence in master.Event.GetOccurrences(QueryTime(reading.WindowStart, master.Floating), Evaluation))
            {
                var start = ToUtc(occurrence.Period.StartTime);
                if (start > reading.WindowEnd.UtcDateTime)
                {
                    break;
                }

                if (start < reading.WindowStart.UtcDateTime)
                {
                    // Ical.Net also returns occurrences that started before the query time and are still running.
                    continue;
                }

                if (occurrences.Count == MaxOccurrencesPerSeries)
                {
                    reading.Unread(uid, $"{Label(master.Event, uid)} has more than {MaxOccurrencesPerSeries} occurrences in the window: skipped as a mistake, its meetings are left as they are.");
                    return false;
                }

                occurrences.Add((start, EndOf(master.Event, occurrence)));
            }
        }
        catch (Exception ex) when (IsParseFailure(ex))
        {
            reading.Unread(uid, $"{Label(master.Event, uid)} could not be expanded ({ex.GetType().Name}: {ex.Message}): its meetings are left as they are.");
            return false;
        }

        foreach (var (start, end) in occurrences)
        {
            // An overridden slot is reported from its override, which may have moved it anywhere.
            if (!overrides.ContainsKey(start))
            {
                var identity = recurring ? Identity(start) : SingleIdentity;
                reading.Occurrences.Add(ToMeetingEvent(reading, uid, identity, master, master.Event, start, end));
            }
        }

        return true;
    }

    private static void ReadOverride(string uid, DateTime slot, CalendarEvent replacement, Checked? master, bool recurring, Reading reading)
    {
        var label = $"{Label(replacement, uid)} at RECURRENCE-ID {Identity(slot)}";
        if (replacement.RecurrenceIdentifier?.Range == RecurrenceRange.ThisAndFuture && reading.InWindow(slot))
        {
            reading.Problems.Add($"{label} says RANGE=THISANDFUTURE: applied to that occurrence only.");
        }

        var checkedOverride = Check(uid, replacement, reading, out var allDay);
        if (checkedOverride is null)
        {
            // Its slot is not reported from the series either: the occurrence is not what the series says.
            if (allDay && reading.InWindow(slot))
            {
                reading.Problems.Add($"{label} is all-day: skipped, it has no time to dispatch at.");
            }

            return;
        }

        DateTime start;
        DateTime? end;
        try
        {
            var occurrence = replacement.GetOccurrences(replacement.DtStart!, Evaluation).First();
            start = ToUtc(occurrence.Period.StartTime);
            end = EndOf(replacement, occurrence);
        }
        catch (Exception ex) when (IsParseFailure(ex))
        {
            reading.Unread(uid, $"{label} could not be read ({ex.GetType().Name}: {ex.Message}): its meeting is left as it is.");
            return;
        }

        if (!reading.InWindow(slot) && !reading.InWindow(start))
        {
            return;
        }

        if (master is not null && !IsSlotOf(master.Event, recurring, slot))
        {
            reading.Problems.Add($"{label} overrides an occurrence its series does not have: skipped.");
            return;
        }

        var identity = master is not null && !recurring ? SingleIdentity : Identity(slot);
        reading.Occurrences.Add(ToMeetingEvent(reading, uid, identity, checkedOverride, master?.Event, start, end));
    }

    /// <summary>Checks what must hold before an event's times can be used; null (with a problem noted) when they cannot.</summary>
    private static Checked? Check(string uid, CalendarEvent evt, Reading reading, out bool allDay)
    {
        allDay = false;
        var start = evt.DtStart;
        if (start is null)
        {
            reading.Unread(uid, $"{Label(evt, uid)} has no valid DTSTART: skipped, its meetings are left as they are.");
            return null;
        }

        if (!start.HasTime || evt.IsAllDay)
        {
            allDay = true;
            return null;
        }

        if (start.IsFloating)
        {
            return new Checked(evt, null, Floating: true);
        }

        if (start.IsUtc)
        {
            return new Checked(evt, null, Floating: false);
        }

        var zone = ResolveZone(start.TzId);
        if (zone is null)
        {
            // Ical.Net 5 resolves a TZID by name (IANA, Windows, common variants) and does not read VTIMEZONE rules.
            reading.Unread(uid, $"{Label(evt, uid)} uses TZID '{start.TzId}', which is not a known IANA or Windows time zone: skipped, its meetings are left as they are.");
            return null;
        }

        return new Checked(evt, zone, Floating: false);
    }

    private static string? ResolveZone(string? tzId)
    {
        if (string.IsNullOrWhiteSpace(tzId))
        {
            return null;
        }

        try
        {
            return TimeZoneResolvers.TimeZoneResolver(tzId)?.Id;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string Label(CalendarEvent evt, string uid)
        => NonEmpty(evt.Summary) is { } summary ? $"'{summary}' (UID {uid})" : $"UID {uid}";

    /// <summary>Whether an all-day event has a day in the window (a day counts from its midnight UTC).</summary>
    private static bool HasOccurrenceInWindow(CalendarEvent evt, Reading reading)
    {
        try
        {
            var from = new CalDateTime(DateOnly.FromDateTime(reading.WindowStart.UtcDateTime.AddDays(-1)));
            return evt.GetOccurrences(from, Evaluation)
                .Select(o => DateTime.SpecifyKind(o.Period.StartTime.Value, DateTimeKind.Utc))
                .Take(MaxOccurrencesPerSeries)
                .TakeWhile(start => start <= reading.WindowEnd.UtcDateTime)
                .Any(start => start.AddDays(1) > reading.WindowStart.UtcDateTime);
        }
        catch (Exception ex) when (IsParseFailure(ex))
        {
            return true;
        }
    }

    private static bool IsRecurring(CalendarEvent evt)
        => evt.RecurrenceRule is not null || evt.RecurrenceDates.GetAllDates().Any() || evt.RecurrenceDates.GetAllPeriods().Any();

    /// <summary>
    /// Whether <paramref name="slot"/> is an occurrence of the series. A slot the series excludes with
    /// EXDATE still counts: some calendars write both an EXDATE and an override for a moved occurrence.
    /// </summary>
    private static bool IsSlotOf(CalendarEvent master, bool recurring, DateTime slot)
    {
        if (!recurring)
        {
            return ToUtc(master.DtStart!) == slot;
        }

        try
        {
            if (master.ExceptionDates.GetAllDates().Any(d => d.HasTime && ToUtc(d, master.DtStart) == slot))
            {
                return true;
            }

            return master.GetOccurrences(QueryTime(new DateTimeOffset(DateTime.SpecifyKind(slot, DateTimeKind.Utc)), master.DtStart!.IsFloating), Evaluation)
                .Select(o => ToUtc(o.Period.StartTime))
                .Take(MaxOccurrencesPerSeries)
                .TakeWhile(start => start <= slot)
                .Contains(slot);
        }
        catch (Exception ex) when (IsParseFailure(ex))
        {
            return false;
        }
    }

    /// <summary>The override's RECURRENCE-ID in UTC; a floating one is read in the series' time zone, like the rule's own starts.</summary>
    private static DateTime SlotOf(CalendarEvent replacement, CalendarEvent? master)
        => ToUtc(replacement.RecurrenceIdentifier!.StartTime, master?.DtStart);

    private static CalendarEvent Latest(List<CalendarEvent> events)
        => events.Select((e, i) => (Event: e, Index: i)).OrderBy(x => x.Event.Sequence).ThenBy(x => x.Index).Last().Event;

    /// <summary>
    /// The query time in the series' own terms: floating starts are compared as wall-clock times, and the
    /// window's UTC wall clock is what they are read as.
    /// </summary>
    private static CalDateTime QueryTime(DateTimeOffset utc, bool floating)
        => floating
            ? new CalDateTime(DateTime.SpecifyKind(utc.UtcDateTime, DateTimeKind.Unspecified), (string?)null)
            : new CalDateTime(utc.UtcDateTime, CalDateTime.UtcTzId);

    private static DateTime ToUtc(CalDateTime time, CalDateTime? zoneOf = null)
    {
        if (!time.IsFloating)
        {
            return DateTime.SpecifyKind(time.AsUtc, DateTimeKind.Utc);
        }

        // Ical.Net would read a floating time in the machine's local zone; these are read as UTC instead,
        // or in the series' zone for a floating RECURRENCE-ID or EXDATE of a zoned series.
        if (zoneOf is { IsFloating: false, IsUtc: false, TzId: { } tzId } && ResolveZone(tzId) is not null)
        {
            return new CalDateTime(DateTime.SpecifyKind(time.Value, DateTimeKind.Unspecified), tzId, time.HasTime).AsUtc;
        }

        return DateTime.SpecifyKind(time.Value, DateTimeKind.Utc);
    }

    /// <summary>The end when the event gives one (DTEND or DURATION); none otherwise, rather than a zero-length meeting.</summary>
    private static DateTime? EndOf(CalendarEvent evt, Occurrence occurrence)
        => evt.DtEnd is null && evt.Duration is null ? null
            : occurrence.Period.EffectiveEndTime is { } end ? ToUtc(end) : null;

    private static string Identity(DateTime slotUtc)
        => DateTime.SpecifyKind(slotUtc, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture);

    private static bool IsCancelled(CalendarEvent? evt)
        => string.Equals(evt?.Status, EventStatus.Cancelled, StringComparison.OrdinalIgnoreCase);

    /// <param name="source">The component the occurrence comes from: the series, or its override.</param>
    /// <param name="master">The series, for the fields an override leaves out.</param>
    private static MeetingEvent ToMeetingEvent(
        Reading reading, string uid, string identity, Checked source, CalendarEvent? master, DateTime start, DateTime? end)
    {
        var evt = source.Event;
        var series = master ?? evt;
        if (source.Floating && reading.FloatingReported.Add(uid))
        {
            reading.Problems.Add($"{Label(evt, uid)} has a floating time (no TZID and no Z): read as UTC.");
        }

        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        AddText(texts, MeetingEvent.Fields.Location, evt.Location, series.Location);
        AddText(texts, MeetingEvent.Fields.JoinUrl, evt.Url?.OriginalString, series.Url?.OriginalString);
        AddText(texts, MeetingEvent.Fields.Description, evt.Description, series.Description);

        var attendees = (evt.Attendees.Count > 0 ? evt.Attendees : series.Attendees)
            .Select(a => PersonOf(a.CommonName, a.Value))
            .OfType<Person>()
            .ToList();

        return new MeetingEvent
        {
            Source = JobSources.Calendar,
            // A whole cancelled series cancels every occurrence, even one whose override still says otherwise.
            Kind = IsCancelled(evt) || IsCancelled(master) ? MeetingEventKind.Cancelled : MeetingEventKind.Scheduled,
            Key = $"{JobSources.Calendar}:{reading.Feed}\n{uid}\n{identity}",
            EventType = reading.Feed,
            Title = NonEmpty(evt.Summary) ?? NonEmpty(series.Summary),
            Start = new DateTimeOffset(start, TimeSpan.Zero),
            End = end is { } e ? new DateTimeOffset(e, TimeSpan.Zero) : null,
            TimeZone = source.TimeZone,
            Texts = texts,
            Organizer = PersonOf(evt.Organizer?.CommonName, evt.Organizer?.Value) ?? PersonOf(series.Organizer?.CommonName, series.Organizer?.Value),
            Attendees = attendees,
            Origin = $"{JobSources.Calendar}:{reading.Feed}",
        };
    }

    private static void AddText(Dictionary<string, string> texts, string field, string? value, string? seriesValue)
    {
        if ((NonEmpty(value) ?? NonEmpty(seriesValue)) is { } text)
        {
            texts[field] = text;
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>A CAL-ADDRESS as a person: the e-mail from a mailto: URI, the name from CN.</summary>
    private static Person? PersonOf(string? commonName, Uri? address)
    {
        string? email = null;
        if (address?.OriginalString is { } value && value.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
        {
            email = NonEmpty(Uri.UnescapeDataString(value["mailto:".Length..]));
        }

        var name = NonEmpty(commonName);
        return name is null && email is null ? null : new Person(name, email);
    }
}
