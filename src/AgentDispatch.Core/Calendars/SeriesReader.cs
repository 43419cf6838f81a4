using AgentDispatch.Jobs;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Evaluation;

namespace AgentDispatch.Calendars;

/// <summary>
/// One UID's VEVENTs as occurrences in the window: the series expanded (RRULE, RDATE, EXDATE), each
/// RECURRENCE-ID override put in its slot (the highest SEQUENCE wins), and a series that cannot be read
/// reported unread rather than half-read.
/// </summary>
internal static class SeriesReader
{
    // Ical.Net steps through a rule one FREQ interval at a time; a rule that can never match
    // (BYMONTH=2;BYMONTHDAY=30) would step forever without this.
    private static readonly EvaluationOptions Evaluation = new() { MaxUnmatchedIncrementsLimit = 100_000 };

    private static readonly DateTime LastDay = new(9999, 12, 31, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>
    /// Most occurrences of one series gone through before the window. Ical.Net finds the occurrences after a
    /// time by stepping through every one before it, so a FREQ=SECONDLY rule from the year 1 would keep a poll
    /// busy for days; a series with this many occurrences in the past is taken for a mistake.
    /// </summary>
    internal const int MaxOccurrencesBeforeWindow = 100_000;

    public static void Read(string uid, List<FeedComponent> components, FeedReading reading)
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

        CheckedEvent? checkedMaster = null;
        if (master is not null)
        {
            EndUntilBeforeLastDay(master);
            checkedMaster = EventTimes.Check(uid, master, reading, out var allDay);
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
                    reading.Problems.Add($"{FeedReading.Label(master, uid)} is an all-day event: skipped, it has no time to dispatch at.");
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
        catch (Exception ex) when (IcsLoader.IsParseFailure(ex))
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
    private static bool ExpandMaster(string uid, CheckedEvent master, bool recurring, Dictionary<DateTime, CalendarEvent> overrides, FeedReading reading)
    {
        var occurrences = new List<(DateTime Start, DateTime? End)>();
        try
        {
            foreach (var (occurrence, start) in OccurrencesFrom(master.Event, reading.WindowStart.UtcDateTime, o => EventTimes.ToUtc(o.Period.StartTime)))
            {
                if (start > reading.WindowEnd.UtcDateTime)
                {
                    break;
                }

                if (occurrences.Count == CalendarFeedParser.MaxOccurrencesPerSeries)
                {
                    reading.Unread(uid, $"{FeedReading.Label(master.Event, uid)} has more than {CalendarFeedParser.MaxOccurrencesPerSeries} occurrences in the window: skipped as a mistake, its meetings are left as they are.");
                    return false;
                }

                occurrences.Add((start, EventTimes.EndOf(master.Event, occurrence)));
            }
        }
        catch (Exception ex) when (IsOutOfRange(ex))
        {
            reading.Unread(uid, $"{FeedReading.Label(master.Event, uid)}: one of its times (start, end or an occurrence) {Instants.OutsideCalendar}: its meetings are left as they are.");
            return false;
        }
        catch (Exception ex) when (IcsLoader.IsParseFailure(ex))
        {
            reading.Unread(uid, $"{FeedReading.Label(master.Event, uid)} could not be expanded ({ex.GetType().Name}: {ex.Message}): its meetings are left as they are.");
            return false;
        }

        foreach (var (start, end) in occurrences)
        {
            // An overridden slot is reported from its override, which may have moved it anywhere.
            if (!overrides.ContainsKey(start))
            {
                var identity = recurring ? EventTimes.Identity(start) : CalendarFeedParser.SingleIdentity;
                reading.Occurrences.Add(MeetingEventMapper.ToMeetingEvent(reading, uid, identity, master, master.Event, start, end));
            }
        }

        return true;
    }

    private static void ReadOverride(string uid, DateTime slot, CalendarEvent replacement, CheckedEvent? master, bool recurring, FeedReading reading)
    {
        var label = $"{FeedReading.Label(replacement, uid)} at RECURRENCE-ID {EventTimes.Identity(slot)}";
        if (replacement.RecurrenceIdentifier?.Range == RecurrenceRange.ThisAndFuture && reading.InWindow(slot))
        {
            reading.Problems.Add($"{label} says RANGE=THISANDFUTURE: applied to that occurrence only.");
        }

        var checkedOverride = EventTimes.Check(uid, replacement, reading, out var allDay);
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
            // An override is the one occurrence it replaces: a rule of its own is not expanded. Its first occurrence is
            // all that is read, and finding it cost Ical.Net minutes for a rule that never matches (BYDAY=53SU, MINUTELY).
            replacement.RecurrenceRule = null;
            var occurrence = replacement.GetOccurrences(replacement.DtStart!, Evaluation).First();
            start = EventTimes.ToUtc(occurrence.Period.StartTime);
            end = EventTimes.EndOf(replacement, occurrence);
        }
        catch (Exception ex) when (IsOutOfRange(ex))
        {
            reading.Unread(uid, $"{label}: its start or end {Instants.OutsideCalendar}: its meeting is left as it is.");
            return;
        }
        catch (Exception ex) when (IcsLoader.IsParseFailure(ex))
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

        var identity = master is not null && !recurring ? CalendarFeedParser.SingleIdentity : EventTimes.Identity(slot);
        reading.Occurrences.Add(MeetingEventMapper.ToMeetingEvent(reading, uid, identity, checkedOverride, master?.Event, start, end));
    }

    /// <summary>Whether an all-day event has a day in the window (a day counts from its midnight UTC).</summary>
    private static bool HasOccurrenceInWindow(CalendarEvent evt, FeedReading reading)
    {
        try
        {
            var from = DateOnly.FromDateTime(reading.WindowStart.UtcDateTime.AddDays(-1)).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            return OccurrencesFrom(evt, from, o => DateTime.SpecifyKind(o.Period.StartTime.Value, DateTimeKind.Utc))
                .Select(o => o.Start)
                .Take(CalendarFeedParser.MaxOccurrencesPerSeries)
                .TakeWhile(start => start <= reading.WindowEnd.UtcDateTime)
                .Any(start => start.AddDays(1) > reading.WindowStart.UtcDateTime);
        }
        catch (Exception ex) when (IcsLoader.IsParseFailure(ex))
        {
            return true;
        }
    }

    /// <summary>
    /// Ical.Net cannot expand a rule whose UNTIL is on 9999-12-31 (its evaluation steps past the last day and
    /// overflows, before the first occurrence), and calendars write that date for "forever": such a rule ends
    /// a day earlier instead, which no window reaches.
    /// </summary>
    private static void EndUntilBeforeLastDay(CalendarEvent evt)
    {
        if (evt.RecurrenceRule is { Until: { } until } rule && until.Value >= LastDay)
        {
            rule.Until = new CalDateTime(LastDay.AddTicks(-TimeSpan.TicksPerSecond), CalDateTime.UtcTzId);
        }
    }

    /// <summary>
    /// A time of the event (its start in UTC, its end from DTEND or DURATION, an occurrence of its rule) is
    /// outside what .NET can hold: Ical.Net says so with these, NodaTime (its zones) with an overflow.
    /// </summary>
    private static bool IsOutOfRange(Exception ex) => ex is EvaluationOutOfRangeException or ArgumentOutOfRangeException or OverflowException;

    /// The occurrences starting at or after <paramref name="fromUtc"/>, in order, with their start as <paramref name="startOf"/>
    /// reads it. Read from the series' start rather than asked of Ical.Net from a time, so that the ones before are
    /// counted: more than <see cref="MaxOccurrencesBeforeWindow"/> is an <see cref="InvalidOperationException"/>,
    /// which every caller already treats as a series that cannot be evaluated.
    /// </summary>
    private static IEnumerable<(Occurrence Occurrence, DateTime Start)> OccurrencesFrom(CalendarEvent evt, DateTime fromUtc, Func<Occurrence, DateTime> startOf)
    {
        var before = 0;
        foreach (var occurrence in evt.GetOccurrences(null, Evaluation))
        {
            var start = startOf(occurrence);
            if (start >= fromUtc)
            {
                yield return (occurrence, start);
            }
            else if (++before > MaxOccurrencesBeforeWindow)
            {
                throw new InvalidOperationException($"it has more than {MaxOccurrencesBeforeWindow} occurrences before the window, taken for a mistake");
            }
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
            return EventTimes.ToUtc(master.DtStart!) == slot;
        }

        try
        {
            if (master.ExceptionDates.GetAllDates().Any(d => d.HasTime && EventTimes.ToUtc(d, master.DtStart) == slot))
            {
                return true;
            }

            return OccurrencesFrom(master, slot, o => EventTimes.ToUtc(o.Period.StartTime))
                .Select(o => o.Start)
                .Take(CalendarFeedParser.MaxOccurrencesPerSeries)
                .TakeWhile(start => start <= slot)
                .Contains(slot);
        }
        catch (Exception ex) when (IcsLoader.IsParseFailure(ex))
        {
            return false;
        }
    }

    /// <summary>The override's RECURRENCE-ID in UTC; a floating one is read in the series' time zone, like the rule's own starts.</summary>
    private static DateTime SlotOf(CalendarEvent replacement, CalendarEvent? master)
        => EventTimes.ToUtc(replacement.RecurrenceIdentifier!.StartTime, master?.DtStart);

    private static CalendarEvent Latest(List<CalendarEvent> events)
        => events.Select((e, i) => (Event: e, Index: i)).OrderBy(x => x.Event.Sequence).ThenBy(x => x.Index).Last().Event;
}
