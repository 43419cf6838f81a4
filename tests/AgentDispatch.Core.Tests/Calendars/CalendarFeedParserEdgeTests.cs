using AgentDispatch.Calendars;
using AgentDispatch.Events;
using AgentDispatch.Jobs;

namespace AgentDispatch.Core.Tests.Calendars;

/// <summary>Feeds as real calendars write them when they do something unusual, one case each.</summary>
public sealed class CalendarFeedParserEdgeTests
{
    private const string Feed = "edge";
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 6, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Horizon = TimeSpan.FromDays(2);

    private static string Calendar(params string[] events)
        => "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\n" + string.Concat(events) + "END:VCALENDAR\r\n";

    private static string Event(string uid, params string[] lines)
        => $"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260301T000000Z\r\n" + string.Concat(lines.Select(l => l + "\r\n")) + "END:VEVENT\r\n";

    private static CalendarParseResult Parse(string ics) => CalendarFeedParser.Parse(Feed, ics, Now, Horizon);

    private static string Key(string uid, string identity) => $"calendar:{Feed}\n{uid}\n{identity}";

    private static DateTimeOffset Utc(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    private static readonly string DailySeries = Event("daily", "DTSTART:20260301T100000Z", "DTEND:20260301T103000Z", "RRULE:FREQ=DAILY", "SUMMARY:Daily");

    [Fact]
    public void Parse_OccurrenceMovedOutOfTheWindow_IsStillReportedUnderItsSlot()
    {
        var result = Parse(Calendar(DailySeries, Event("daily", "RECURRENCE-ID:20260310T100000Z", "DTSTART:20260320T100000Z", "DTEND:20260320T103000Z", "SEQUENCE:1")));

        var moved = Assert.Single(result.Occurrences, o => o.Key == Key("daily", "2026-03-10T10:00:00.0000000Z"));
        Assert.Equal(Utc(3, 20, 10), moved.Start);
        Assert.Equal(MeetingEventKind.Scheduled, moved.Kind);
    }

    [Fact]
    public void Parse_OccurrenceMovedIntoTheWindow_IsReportedUnderItsSlot()
    {
        var result = Parse(Calendar(DailySeries, Event("daily", "RECURRENCE-ID:20260325T100000Z", "DTSTART:20260311T150000Z", "DTEND:20260311T153000Z", "SEQUENCE:1")));

        var moved = Assert.Single(result.Occurrences, o => o.Key == Key("daily", "2026-03-25T10:00:00.0000000Z"));
        Assert.Equal(Utc(3, 11, 15), moved.Start);
        Assert.Equal(
            [Utc(3, 9, 10), Utc(3, 10, 10), Utc(3, 11, 10), Utc(3, 11, 15)],
            result.Occurrences.Select(o => o.Start!.Value));
    }

    [Fact]
    public void Parse_OverrideOfAnExcludedSlot_StillCounts()
    {
        var series = Event("daily", "DTSTART:20260301T100000Z", "DTEND:20260301T103000Z", "RRULE:FREQ=DAILY", "EXDATE:20260310T100000Z");
        var result = Parse(Calendar(series, Event("daily", "RECURRENCE-ID:20260310T100000Z", "DTSTART:20260310T120000Z", "SEQUENCE:1")));

        Assert.Equal(Utc(3, 10, 12), Assert.Single(result.Occurrences, o => o.Key == Key("daily", "2026-03-10T10:00:00.0000000Z")).Start);
    }

    [Fact]
    public void Parse_OverrideOfASlotTheSeriesDoesNotHave_IsSkipped()
    {
        var result = Parse(Calendar(DailySeries, Event("daily", "RECURRENCE-ID:20260310T110000Z", "DTSTART:20260310T120000Z")));

        Assert.DoesNotContain(result.Occurrences, o => o.Start == Utc(3, 10, 12));
        Assert.Contains(result.Problems, p => p.Contains("does not have", StringComparison.Ordinal));
        Assert.Equal(Utc(3, 10, 10), Assert.Single(result.Occurrences, o => o.Key == Key("daily", "2026-03-10T10:00:00.0000000Z")).Start);
    }

    [Fact]
    public void Parse_OverrideWithoutItsSeries_IsKeyedOnItsRecurrenceId()
    {
        // Invited to one occurrence only: the feed holds the override and not the series.
        var result = Parse(Calendar(Event("series", "RECURRENCE-ID;TZID=Europe/Berlin:20260310T090000", "DTSTART;TZID=Europe/Berlin:20260310T100000")));

        var occurrence = Assert.Single(result.Occurrences);
        Assert.Equal(Key("series", "2026-03-10T08:00:00.0000000Z"), occurrence.Key);
        Assert.Equal(Utc(3, 10, 9), occurrence.Start);
    }

    [Fact]
    public void Parse_FloatingRecurrenceIdOfAZonedSeries_IsReadInTheSeriesZone()
    {
        var series = Event("berlin", "DTSTART;TZID=Europe/Berlin:20260301T090000", "RRULE:FREQ=DAILY");
        var result = Parse(Calendar(series, Event("berlin", "RECURRENCE-ID:20260310T090000", "DTSTART;TZID=Europe/Berlin:20260310T093000", "STATUS:CANCELLED")));

        var cancelled = Assert.Single(result.Occurrences, o => o.Key == Key("berlin", "2026-03-10T08:00:00.0000000Z"));
        Assert.Equal(MeetingEventKind.Cancelled, cancelled.Kind);
        Assert.Equal(3, result.Occurrences.Count);
    }

    [Fact]
    public void Parse_UnreadableOverride_HidesItsSlotAndMarksTheUidUnread()
    {
        var result = Parse(Calendar(DailySeries, Event("daily", "RECURRENCE-ID:20260310T100000Z", "DTSTART;TZID=Mars/Olympus_Mons:20260310T120000")));

        Assert.DoesNotContain(result.Occurrences, o => o.Key == Key("daily", "2026-03-10T10:00:00.0000000Z"));
        Assert.Equal(["daily"], result.UnreadUids);
        Assert.Equal([Utc(3, 9, 10), Utc(3, 11, 10)], result.Occurrences.Select(o => o.Start!.Value));
    }

    [Fact]
    public void Parse_RecurrenceIdInAnUnknownZone_LeavesTheSeriesAsItIs()
    {
        var result = Parse(Calendar(
            DailySeries,
            Event("daily", "RECURRENCE-ID;TZID=Mars/Olympus_Mons:20260310T100000", "DTSTART:20260310T120000Z"),
            Event("ok", "DTSTART:20260310T110000Z")));

        Assert.Equal([Key("ok", "single")], result.Occurrences.Select(o => o.Key));
        Assert.Equal(["daily"], result.UnreadUids);
    }

    [Fact]
    public void Parse_CancelledSeriesWithAnOverride_CancelsTheOverrideToo()
    {
        var series = Event("daily", "DTSTART:20260301T100000Z", "RRULE:FREQ=DAILY", "STATUS:CANCELLED");
        var result = Parse(Calendar(series, Event("daily", "RECURRENCE-ID:20260310T100000Z", "DTSTART:20260310T110000Z", "STATUS:CONFIRMED")));

        Assert.All(result.Occurrences, o => Assert.Equal(MeetingEventKind.Cancelled, o.Kind));
        Assert.Equal(3, result.Occurrences.Count);
    }

    [Fact]
    public void Parse_EventWithoutUid_IsSkippedRatherThanGivenARandomKey()
    {
        var ics = Calendar("BEGIN:VEVENT\r\nDTSTART:20260310T100000Z\r\nSUMMARY:No UID\r\nEND:VEVENT\r\n", Event("ok", "DTSTART:20260310T110000Z"));

        var first = Parse(ics);
        var second = Parse(ics);

        Assert.Equal([Key("ok", "single")], first.Occurrences.Select(o => o.Key));
        Assert.Equal([Key("ok", "single")], second.Occurrences.Select(o => o.Key));
        Assert.Contains(first.Problems, p => p.Contains("VEVENT #1 has no UID", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_WindowsTzid_IsHonouredAndReportedAsIana()
    {
        var result = Parse(Calendar(Event("win", "DTSTART;TZID=W. Europe Standard Time:20260310T090000", "DTEND;TZID=W. Europe Standard Time:20260310T100000")));

        var occurrence = Assert.Single(result.Occurrences);
        Assert.Equal(Utc(3, 10, 8), occurrence.Start);
        Assert.Equal("Europe/Berlin", occurrence.TimeZone);
    }

    [Fact]
    public void Parse_UnknownTzid_IsSkippedAndTheUidUnread()
    {
        var result = Parse(Calendar(
            Event("custom", "DTSTART;TZID=Customized Time Zone:20260310T090000"),
            Event("ok", "DTSTART:20260310T110000Z")));

        Assert.Equal([Key("ok", "single")], result.Occurrences.Select(o => o.Key));
        Assert.Equal(["custom"], result.UnreadUids);
        Assert.Contains(result.Problems, p => p.Contains("Customized Time Zone", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_RuleThatNeverMatches_IsSkippedInsteadOfLoopingForever()
    {
        var result = Parse(Calendar(Event("never", "DTSTART:20260301T100000Z", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30")));

        Assert.Empty(result.Occurrences);
        Assert.Equal(["never"], result.UnreadUids);
    }

    [Fact]
    public void Parse_RuleWithThousandsOfOccurrencesInTheWindow_IsTakenForAMistake()
    {
        var result = Parse(Calendar(Event("minutely", "DTSTART:20260301T100000Z", "RRULE:FREQ=MINUTELY"), Event("ok", "DTSTART:20260310T110000Z")));

        Assert.Equal([Key("ok", "single")], result.Occurrences.Select(o => o.Key));
        Assert.Equal(["minutely"], result.UnreadUids);
    }

    [Fact]
    public void Parse_TwoEventsAtTheSameTime_AreBothReported()
    {
        var result = Parse(Calendar(Event("a", "DTSTART:20260310T100000Z"), Event("b", "DTSTART:20260310T100000Z")));

        Assert.Equal([Key("a", "single"), Key("b", "single")], result.Occurrences.Select(o => o.Key));
    }

    [Fact]
    public void Parse_DuplicateSeries_TheHighestSequenceWins()
    {
        var result = Parse(Calendar(
            Event("dup", "DTSTART:20260310T100000Z", "SEQUENCE:3", "SUMMARY:Newest"),
            Event("dup", "DTSTART:20260310T090000Z", "SEQUENCE:1", "SUMMARY:Older")));

        var occurrence = Assert.Single(result.Occurrences);
        Assert.Equal("Newest", occurrence.Title);
        Assert.Equal(Utc(3, 10, 10), occurrence.Start);
    }

    [Fact]
    public void Parse_UntilAndCount_EndTheSeries()
    {
        var result = Parse(Calendar(
            Event("until", "DTSTART:20260301T100000Z", "RRULE:FREQ=DAILY;UNTIL=20260310T100000Z"),
            Event("count", "DTSTART:20260309T120000Z", "RRULE:FREQ=DAILY;COUNT=2")));

        Assert.Equal(
            [(Key("until", "2026-03-09T10:00:00.0000000Z"), Utc(3, 9, 10)), (Key("count", "2026-03-09T12:00:00.0000000Z"), Utc(3, 9, 12)), (Key("until", "2026-03-10T10:00:00.0000000Z"), Utc(3, 10, 10)), (Key("count", "2026-03-10T12:00:00.0000000Z"), Utc(3, 10, 12))],
            result.Occurrences.Select(o => (o.Key, o.Start!.Value)));
    }

    [Fact]
    public void Parse_ByteOrderMarkAndBareLineFeeds_AreRead()
    {
        var ics = "\uFEFF" + Calendar(Event("ok", "DTSTART:20260310T110000Z", "ORGANIZER;CN=\"Doe, Jane\":MAILTO:jane@example.com")).Replace("\r\n", "\n", StringComparison.Ordinal);

        var occurrence = Assert.Single(Parse(ics).Occurrences);
        Assert.Equal(new Person("Doe, Jane", "jane@example.com"), occurrence.Organizer);
    }

    [Fact]
    public void Parse_RecurrenceIdThatIsNotADate_DoesNotReplaceTheSeries()
    {
        var result = Parse(Calendar(DailySeries, Event("daily", "RECURRENCE-ID:garbage", "DTSTART:20260310T120000Z")));

        Assert.Empty(result.Occurrences);
        Assert.Equal(["daily"], result.UnreadUids);
    }

    [Theory]
    [InlineData("")]
    [InlineData("<!DOCTYPE html><html><body>Sign in to continue</body></html>")]
    [InlineData("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:cut\r\nDTSTART:20260310T100000Z\r\n")]
    [InlineData("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")]
    public void Parse_NotACompleteCalendar_IsAnError(string text)
    {
        var ex = Assert.Throws<CalendarFeedException>(() => Parse(text));

        Assert.False(ex.IsTransient);
        Assert.Equal(Feed, ex.FeedName);
        Assert.StartsWith("Calendar feed 'edge': not a valid iCalendar file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AllDayEventOutsideTheWindow_IsNoProblem()
    {
        var result = Parse(Calendar(
            Event("old-holiday", "DTSTART;VALUE=DATE:20250101", "SUMMARY:Old holiday"),
            Event("holiday", "DTSTART;VALUE=DATE:20260311", "SUMMARY:Holiday")));

        Assert.Empty(result.Occurrences);
        Assert.Equal(["'Holiday' (UID holiday) is an all-day event: skipped, it has no time to dispatch at."], result.Problems);
    }

    [Fact]
    public void Parse_FloatingSeries_IsReportedOnce()
    {
        var result = Parse(Calendar(Event("floating", "DTSTART:20260301T100000", "RRULE:FREQ=DAILY")));

        Assert.Equal([Utc(3, 9, 10), Utc(3, 10, 10), Utc(3, 11, 10)], result.Occurrences.Select(o => o.Start!.Value));
        Assert.Equal(["UID floating has a floating time (no TZID and no Z): read as UTC."], result.Problems);
    }

    [Fact]
    public void Parse_UnreadableSidePropertiesInAnOverride_KeepTheSeriesAndTheMove()
    {
        var moved = Event("daily", "RECURRENCE-ID:20260310T100000Z", "DTSTART:20260310T150000Z", "SEQUENCE:1", "CREATED:00001231T000000Z", "LAST-MODIFIED:00001231T000000Z",
            "BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER;VALUE=DATE-TIME:00001231T000000Z", "END:VALARM");

        var result = Parse(Calendar(DailySeries, moved));

        Assert.Equal([Utc(3, 9, 10), Utc(3, 10, 15), Utc(3, 11, 10)], result.Occurrences.Select(o => o.Start!.Value));
        Assert.Equal(Key("daily", "2026-03-10T10:00:00.0000000Z"), result.Occurrences[1].Key);
        Assert.Empty(result.UnreadUids);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void Parse_LineThatIsNoPropertyInsideAnEvent_IsIgnored()
    {
        var result = Parse(Calendar(Event("odd", "DTSTART:20260310T100000Z", "this line is not a property")));

        Assert.Equal(Utc(3, 10, 10), Assert.Single(result.Occurrences).Start);
        Assert.Empty(result.UnreadUids);
    }

    [Fact]
    public void Parse_UnreadableMeetingProperty_IsLeftOutAndSaidSo_TheOccurrenceIsKept()
    {
        var result = Parse(Calendar(Event("qp", "DTSTART:20260310T100000Z", "SUMMARY:Planning", "LOCATION:Room 4", "DESCRIPTION;ENCODING=QUOTED-PRINTABLE:Join=3A room 4")));

        var occurrence = Assert.Single(result.Occurrences);
        Assert.Equal((Utc(3, 10, 10), "Planning"), (occurrence.Start!.Value, occurrence.Title));
        Assert.Equal(new Dictionary<string, string> { [MeetingEvent.Fields.Location] = "Room 4" }, occurrence.Texts);
        Assert.Empty(result.UnreadUids);
        Assert.Equal(
            ["VEVENT #1 ('Planning' (UID qp)) has a DESCRIPTION that could not be read (Encoding 'QUOTED-PRINTABLE' is not supported.): left out, its occurrences are read without it."],
            result.Problems);
    }

    [Fact]
    public void Parse_UnreadableTimingPropertyBesideUnreadableSideOnes_StillLeavesTheSeriesUnread()
    {
        var series = Event("daily", "DTSTART:20260301T100000Z", "RRULE:FREQ=DAILY", "EXDATE:00001231T000000Z", "CREATED:00001231T000000Z");

        var result = Parse(Calendar(series, Event("ok", "DTSTART:20260310T110000Z")));

        Assert.Equal([Key("ok", "single")], result.Occurrences.Select(o => o.Key));
        Assert.Equal(["daily"], result.UnreadUids);
        var problem = Assert.Single(result.Problems);
        Assert.StartsWith("VEVENT #1 (UID daily) could not be read (", problem, StringComparison.Ordinal);
        Assert.EndsWith("): its meetings are left as they are.", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RRULE:FREQ=DAILY;UNTIL=99991231T235959Z")]
    [InlineData("RRULE:FREQ=DAILY;UNTIL=99991231T000000Z")]
    [InlineData("RRULE:FREQ=DAILY;UNTIL=99991231")]
    [InlineData("RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE;UNTIL=99991231T235959Z")]
    public void Parse_SeriesUntilTheLastDayOfTheCalendar_IsReadLikeOneWithoutEnd(string rule)
    {
        // Calendars write UNTIL=9999-12-31 for "forever"; Ical.Net cannot expand such a rule as written.
        var result = Parse(Calendar(Event("forever", "DTSTART:20260302T100000Z", "DTEND:20260302T103000Z", rule)));

        Assert.Equal([Utc(3, 10, 10), Utc(3, 11, 10)], result.Occurrences.Select(o => o.Start!.Value).Where(s => s >= Utc(3, 10, 0)));
        Assert.Empty(result.Problems);
        Assert.Empty(result.UnreadUids);
    }

    /// <summary>
    /// A start inside the calendar whose end is not (9999-12-31T23:59:59Z for an hour) lies past every window:
    /// its occurrences are read from the series' start and stop at the window's end before the end is worked
    /// out, so the event is simply not in the window, with nothing to report.
    /// </summary>
    [Theory]
    [InlineData("DTSTART:99991231T235959Z", "DURATION:PT1H")]
    [InlineData("DTSTART:99991231T233000Z", "DURATION:PT1H", "RRULE:FREQ=DAILY")]
    public void Parse_EventPastEveryWindowAtTheEndOfTheCalendar_IsNotInTheWindow_WithNothingToReport(params string[] lines)
    {
        var result = Parse(Calendar(DailySeries, Event("far", lines), Event("ok", "DTSTART:20260310T110000Z")));

        Assert.Contains(Key("ok", "single"), result.Occurrences.Select(o => o.Key));
        Assert.DoesNotContain(result.Occurrences, o => o.Key.Contains("\nfar\n", StringComparison.Ordinal));
        Assert.Empty(result.UnreadUids);
    }

    [Theory]
    [InlineData("far", "DTSTART;TZID=Etc/GMT+12:99991231T230000", "DURATION:PT1H")]
    [InlineData("far", "DTSTART;TZID=Etc/GMT+12:99991231T230000", "DTEND;TZID=Etc/GMT+12:99991231T233000")]
    [InlineData("far", "DTSTART:20260310T100000Z", "DURATION:P3000000D")]
    [InlineData("daily", "RECURRENCE-ID:20260310T100000Z", "DTSTART:99991231T235959Z", "DURATION:PT1H", "SEQUENCE:1")]
    [InlineData("daily", "RECURRENCE-ID:20260310T100000Z", "DTSTART;TZID=Etc/GMT+12:99991231T230000", "DURATION:PT1H", "SEQUENCE:1")]
    public void Parse_TimeOutsideTheCalendar_IsLeftAsItIsWithTheReason(string uid, params string[] lines)
    {
        var result = Parse(Calendar(DailySeries, Event(uid, lines), Event("ok", "DTSTART:20260310T110000Z")));

        Assert.Contains(Key("ok", "single"), result.Occurrences.Select(o => o.Key));
        Assert.Equal([uid], result.UnreadUids);
        Assert.Contains(result.Problems, p => p.Contains(Instants.OutsideCalendar, StringComparison.Ordinal)
            && (p.EndsWith("its meetings are left as they are.", StringComparison.Ordinal) || p.EndsWith("its meeting is left as it is.", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("DTSTART;TZID=Pacific/Kiritimati:00010101T000000", "DURATION:PT1H")]
    [InlineData("DTSTART:00010101T000000Z", "DTEND:00010101T003000Z", "RRULE:FREQ=YEARLY")]
    [InlineData("DTSTART:99981231T235959Z", "DURATION:PT1H", "RRULE:FREQ=YEARLY")]
    [InlineData("DTSTART:20260301T100000Z", "DTEND:20260301T103000Z", "RRULE:FREQ=DAILY", "EXDATE;TZID=Pacific/Kiritimati:00010101T000000", "EXDATE:99991231T235959Z")]
    public void Parse_TimesNearTheEndsOfTheCalendar_AreReadWithoutProblems(params string[] lines)
    {
        var result = Parse(Calendar(Event("edge", lines), Event("ok", "DTSTART:20260310T110000Z")));

        Assert.Contains(Key("ok", "single"), result.Occurrences.Select(o => o.Key));
        Assert.Empty(result.UnreadUids);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void Parse_EmptyCalendar_HasNoOccurrences()
    {
        var result = Parse(Calendar());

        Assert.Empty(result.Occurrences);
        Assert.Empty(result.Problems);
    }
}
