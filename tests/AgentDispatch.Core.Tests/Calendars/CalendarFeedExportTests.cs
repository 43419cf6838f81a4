using AgentDispatch.Calendars;
using AgentDispatch.Events;

namespace AgentDispatch.Core.Tests.Calendars;

/// <summary>
/// Feeds shaped like real exports (Google Calendar, Exchange/Outlook, a calendar with its own VTIMEZONE), each
/// carrying properties Ical.Net cannot parse that do not decide when or whether a meeting happens. Every expected
/// instant is worked out by hand from the file; the comments show the arithmetic.
/// </summary>
public sealed class CalendarFeedExportTests
{
    private const string Feed = "export";

    // Tuesday 2026-03-10 06:00 UTC: the window starts one day back, Monday 2026-03-09 06:00 UTC.
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 6, 0, 0, TimeSpan.Zero);

    private static CalendarParseResult Parse(string fixture, TimeSpan horizon)
        => CalendarFeedParser.Parse(Feed, CalendarFeedParserTests.Fixture(fixture), Now, horizon);

    private static string Key(string uid, string identity) => $"calendar:{Feed}\n{uid}\n{identity}";

    private static DateTimeOffset Utc(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    private const string GoogleWeekly = "7kukuqrfedlm2f9t0vl2ts1b4k@google.com";
    private const string GoogleNewYork = "1q2w3e4r5t6y7u8i9o0p@google.com";

    [Fact]
    public void GoogleExport_WeeklySeriesWithYearZeroCreated_KeepsEveryOccurrence()
    {
        // Window to 2026-03-31 06:00 UTC. Mondays 10:00 Berlin: CET (+1) is 09:00 UTC, CEST (+2, from
        // Sunday 29 March) is 08:00 UTC. 16 March is moved to 14:00 CET, 13:00 UTC. The New York call is
        // 09:00 EDT (-4, the US changed on 8 March), 13:00 UTC.
        var result = Parse("google-export.ics", TimeSpan.FromDays(21));

        Assert.Equal(
            [
                (Key(GoogleWeekly, "2026-03-09T09:00:00.0000000Z"), Utc(3, 9, 9), Utc(3, 9, 9, 30), "Weekly planning"),
                (Key(GoogleNewYork, "single"), Utc(3, 12, 13), Utc(3, 12, 14), "Roadmap with New York"),
                (Key(GoogleWeekly, "2026-03-16T09:00:00.0000000Z"), Utc(3, 16, 13), Utc(3, 16, 13, 30), "Weekly planning (afternoon)"),
                (Key(GoogleWeekly, "2026-03-23T09:00:00.0000000Z"), Utc(3, 23, 9), Utc(3, 23, 9, 30), "Weekly planning"),
                (Key(GoogleWeekly, "2026-03-30T08:00:00.0000000Z"), Utc(3, 30, 8), Utc(3, 30, 8, 30), "Weekly planning"),
            ],
            result.Occurrences.Select(o => (o.Key, o.Start!.Value, o.End!.Value, o.Title)));
        Assert.All(result.Occurrences, o => Assert.Equal(MeetingEventKind.Scheduled, o.Kind));
        Assert.Empty(result.UnreadUids);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void GoogleExport_MeetingFields_AreReadPastTheBadSideProperties()
    {
        var result = Parse("google-export.ics", TimeSpan.FromDays(21));

        var moved = Assert.Single(result.Occurrences, o => o.Key == Key(GoogleWeekly, "2026-03-16T09:00:00.0000000Z"));
        Assert.Equal("Europe/Berlin", moved.TimeZone);
        Assert.Equal("Weekly planning, in the afternoon this time.\nJoin: https://meet.example.com/plan-week-0001", moved.Texts[MeetingEvent.Fields.Description]);
        Assert.Equal(new Person("Team Berlin", "c_8f3b2a1e9d@group.calendar.google.com"), moved.Organizer);
        // The override lists no attendees: the series' are used.
        Assert.Equal([new Person("Anna Klein", "anna@example.com")], moved.Attendees);

        var newYork = Assert.Single(result.Occurrences, o => o.Key == Key(GoogleNewYork, "single"));
        Assert.Equal("America/New_York", newYork.TimeZone);
        Assert.Equal("Meeting id: wxyz-1234-5678", newYork.Texts[MeetingEvent.Fields.Description]);
    }

    private const string OutlookSeries = "040000008200E00074C5B7101A82E00800000000B0C5E0C3A1A7DC01000000000000000010000000C1F7A3A6A5F3B04C9A3F8F3C0F2E6A11";
    private const string OutlookSeattle = "040000008200E00074C5B7101A82E008000000003A1F2B4C5D6EDC01000000000000000010000000AABBCCDDEEFF00112233445566778899";

    [Fact]
    public void OutlookExport_WindowsZoneNames_GiveTheExactOccurrences()
    {
        // Window to 2026-04-01 06:00 UTC. Tuesdays and Thursdays 09:00 W. Europe: 08:00 UTC in CET, 07:00 UTC
        // on 31 March (CEST), the last before UNTIL 08:00 UTC. Thursday 12 March is an EXDATE; Thursday 19 March
        // moved to 15:00 CET, 14:00 UTC. Seattle: 08:00 Pacific daylight time (-7, from 8 March) is 15:00 UTC.
        var result = Parse("outlook-export.ics", TimeSpan.FromDays(22));

        Assert.Equal(
            [
                (Key(OutlookSeries, "2026-03-10T08:00:00.0000000Z"), Utc(3, 10, 8), Utc(3, 10, 8, 30)),
                (Key(OutlookSeattle, "single"), Utc(3, 10, 15), Utc(3, 10, 16)),
                (Key(OutlookSeries, "2026-03-17T08:00:00.0000000Z"), Utc(3, 17, 8), Utc(3, 17, 8, 30)),
                (Key(OutlookSeries, "2026-03-19T08:00:00.0000000Z"), Utc(3, 19, 14), Utc(3, 19, 14, 30)),
                (Key(OutlookSeries, "2026-03-24T08:00:00.0000000Z"), Utc(3, 24, 8), Utc(3, 24, 8, 30)),
                (Key(OutlookSeries, "2026-03-26T08:00:00.0000000Z"), Utc(3, 26, 8), Utc(3, 26, 8, 30)),
                (Key(OutlookSeries, "2026-03-31T07:00:00.0000000Z"), Utc(3, 31, 7), Utc(3, 31, 7, 30)),
            ],
            result.Occurrences.Select(o => (o.Key, o.Start!.Value, o.End!.Value)));
        Assert.Empty(result.UnreadUids);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void OutlookExport_WindowsZones_AreReportedAsIanaAndTheMeetingFieldsRead()
    {
        var result = Parse("outlook-export.ics", TimeSpan.FromDays(22));

        var moved = Assert.Single(result.Occurrences, o => o.Key == Key(OutlookSeries, "2026-03-19T08:00:00.0000000Z"));
        Assert.Equal("Europe/Berlin", moved.TimeZone);
        Assert.Equal("Sprint sync (moved to the afternoon)", moved.Title);
        Assert.Equal("Microsoft Teams Meeting", moved.Texts[MeetingEvent.Fields.Location]);
        // The override has no DESCRIPTION: the series' is used.
        Assert.Equal("Sprint sync.\nJoin: https://meet.example.com/sprint-sync-0042", moved.Texts[MeetingEvent.Fields.Description]);
        Assert.Equal(new Person("Eva Schmidt", "eva.schmidt@example.de"), moved.Organizer);

        Assert.Equal("America/Los_Angeles", Assert.Single(result.Occurrences, o => o.Key == Key(OutlookSeattle, "single")).TimeZone);
    }

    [Fact]
    public void CustomZoneExport_ZoneOnlyInTheFilesVtimezone_IsStillUnread_TheOtherEventIsRead()
    {
        // An unknown TZID decides when the series happens, so it is skipped as before; the UTC call beside it
        // loses nothing to its year-0 DTSTAMP, CREATED and LAST-MODIFIED or its alarm: 07:30 UTC for 45 minutes.
        var result = Parse("custom-zone.ics", TimeSpan.FromDays(2));

        var call = Assert.Single(result.Occurrences);
        Assert.Equal((Key("utc-call@example.com", "single"), Utc(3, 11, 7, 30), Utc(3, 11, 8, 15), "Vendor call"), (call.Key, call.Start!.Value, call.End!.Value, call.Title));
        Assert.Equal(["custom-series@example.com"], result.UnreadUids);
        Assert.Equal(
            ["'Ops review (custom zone)' (UID custom-series@example.com) uses TZID 'Custom Zone', which is not a known IANA or Windows time zone: skipped, its meetings are left as they are."],
            result.Problems);
    }

    [Fact]
    public void Recurrence_RdateExdateMovedAndCancelled_GiveTheExactOccurrences()
    {
        // Window to 2026-03-20 06:00 UTC; New York is on EDT (-4) from 8 March. Mondays and Wednesdays 10:00 EDT
        // are 14:00 UTC: 9 March; 11 March is an EXDATE; 16 March moved to Tuesday 17 March 13:00 EDT, 17:00 UTC;
        // 18 March cancelled. The RDATE adds Friday 13 March 16:00 EDT, 20:00 UTC, an hour long like the series.
        var result = Parse("recurrence.ics", TimeSpan.FromDays(10));

        Assert.Equal(
            [
                (Key("review@example.com", "2026-03-09T14:00:00.0000000Z"), Utc(3, 9, 14), Utc(3, 9, 15), MeetingEventKind.Scheduled),
                (Key("review@example.com", "2026-03-13T20:00:00.0000000Z"), Utc(3, 13, 20), Utc(3, 13, 21), MeetingEventKind.Scheduled),
                (Key("review@example.com", "2026-03-16T14:00:00.0000000Z"), Utc(3, 17, 17), Utc(3, 17, 18), MeetingEventKind.Scheduled),
                (Key("review@example.com", "2026-03-18T14:00:00.0000000Z"), Utc(3, 18, 14), Utc(3, 18, 15), MeetingEventKind.Cancelled),
            ],
            result.Occurrences.Select(o => (o.Key, o.Start!.Value, o.End!.Value, o.Kind)));
        Assert.Equal("Design review (moved to Tuesday)", result.Occurrences[2].Title);
        Assert.All(result.Occurrences, o => Assert.Equal("https://meet.example.com/design-review-0007", o.Texts[MeetingEvent.Fields.JoinUrl]));
        Assert.Empty(result.UnreadUids);
        Assert.Empty(result.Problems);
    }
}
