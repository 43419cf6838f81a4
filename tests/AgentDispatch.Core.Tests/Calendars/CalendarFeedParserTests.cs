using AgentDispatch.Calendars;
using AgentDispatch.Events;

namespace AgentDispatch.Core.Tests.Calendars;

/// <summary>The fixture feeds in Feeds/, read as the timer reads them, with a fixed "now".</summary>
public sealed class CalendarFeedParserTests
{
    private const string Feed = "team";

    // Tuesday 2026-03-10 06:00 UTC: the window is Monday 06:00 UTC to Saturday 06:00 UTC with a 4-day horizon.
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 6, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Horizon = TimeSpan.FromDays(4);

    internal static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Calendars", "Feeds", name));

    private static CalendarParseResult ParseTeam(DateTimeOffset? now = null, TimeSpan? horizon = null)
        => CalendarFeedParser.Parse(Feed, Fixture("team.ics"), now ?? Now, horizon ?? Horizon);

    private static string Key(string uid, string identity) => $"calendar:{Feed}\n{uid}\n{identity}";

    private static DateTimeOffset Utc(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    private static MeetingEvent Single(CalendarParseResult result, string key)
        => Assert.Single(result.Occurrences, o => o.Key == key);

    [Fact]
    public void Parse_TeamFeed_GivesExactlyTheOccurrencesInTheWindow()
    {
        var result = ParseTeam();

        Assert.Equal(
            [
                (Key("standup@example.com", "2026-03-09T08:00:00.0000000Z"), Utc(3, 9, 8), MeetingEventKind.Cancelled),
                (Key("ny-review@example.com", "single"), Utc(3, 10, 18), MeetingEventKind.Scheduled),
                (Key("floating@example.com", "single"), Utc(3, 11, 12), MeetingEventKind.Scheduled),
                (Key("retro@example.com", "2026-03-11T16:00:00.0000000Z"), Utc(3, 11, 16), MeetingEventKind.Cancelled),
                (Key("standup@example.com", "2026-03-13T08:00:00.0000000Z"), Utc(3, 13, 8, 30), MeetingEventKind.Scheduled),
            ],
            result.Occurrences.Select(o => (o.Key, o.Start!.Value, o.Kind)));
        Assert.Equal(Utc(3, 9, 6), result.WindowStart);
        Assert.Equal(Utc(3, 14, 6), result.WindowEnd);
    }

    [Fact]
    public void Parse_SameFeedTwice_GivesTheSameKeysAndTimes()
    {
        var first = ParseTeam();
        var second = ParseTeam();

        Assert.Equal(first.Occurrences.Select(o => (o.Key, o.Start, o.End, o.Kind)), second.Occurrences.Select(o => (o.Key, o.Start, o.End, o.Kind)));
        Assert.Equal(first.Occurrences.Count, first.Occurrences.Select(o => o.Key).Distinct().Count());
    }

    [Fact]
    public void Parse_MovedOccurrence_KeepsItsSlotKeyWithTheNewTimeAndTheHighestSequence()
    {
        var moved = Single(ParseTeam(), Key("standup@example.com", "2026-03-13T08:00:00.0000000Z"));

        // SEQUENCE:2 moved 09:00 Berlin to 09:30; the SEQUENCE:1 override (11:00) lost.
        Assert.Equal(Utc(3, 13, 8, 30), moved.Start);
        Assert.Equal(Utc(3, 13, 9, 0), moved.End);
        Assert.Equal("Standup (moved)", moved.Title);
        Assert.Equal(MeetingEventKind.Scheduled, moved.Kind);
        Assert.Equal("Europe/Berlin", moved.TimeZone);
        // Fields the override leaves out come from the series.
        Assert.Equal("https://meet.example.com/abcd-efgh-ijkl", moved.Texts[MeetingEvent.Fields.JoinUrl]);
    }

    [Fact]
    public void Parse_MovedOccurrence_IsAReschedule_TheOriginalSlotIsNotAlsoReported()
    {
        var result = ParseTeam();

        Assert.DoesNotContain(result.Occurrences, o => o.Start == Utc(3, 13, 8));
        Assert.DoesNotContain(result.Occurrences, o => o.Start == Utc(3, 13, 10));
    }

    [Fact]
    public void Parse_CancelledOverride_CancelsThatOccurrenceOnly()
    {
        var result = ParseTeam(horizon: TimeSpan.FromDays(7));

        var cancelled = Single(result, Key("standup@example.com", "2026-03-09T08:00:00.0000000Z"));
        Assert.Equal(MeetingEventKind.Cancelled, cancelled.Kind);
        Assert.Equal(MeetingEventKind.Scheduled, Single(result, Key("standup@example.com", "2026-03-16T08:00:00.0000000Z")).Kind);
    }

    [Fact]
    public void Parse_CancelledSeries_CancelsEveryOccurrence()
    {
        var result = ParseTeam(now: Utc(3, 1, 0), horizon: TimeSpan.FromDays(31));

        var retro = result.Occurrences.Where(o => o.Key.StartsWith(Key("retro@example.com", ""), StringComparison.Ordinal)).ToList();
        Assert.Equal([Utc(3, 4, 16), Utc(3, 11, 16), Utc(3, 18, 16), Utc(3, 25, 16)], retro.Select(o => o.Start!.Value));
        Assert.All(retro, o => Assert.Equal(MeetingEventKind.Cancelled, o.Kind));
    }

    [Fact]
    public void Parse_ExcludedDate_IsAbsent()
    {
        var result = ParseTeam();

        Assert.DoesNotContain(result.Occurrences, o => o.Key.Contains("2026-03-11T08:00:00", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Occurrences, o => o.Start == Utc(3, 11, 8));
    }

    [Fact]
    public void Parse_DailyAcrossDstChange_StaysAtNineLocal()
    {
        var result = ParseTeam(now: Utc(3, 27, 0), horizon: TimeSpan.FromDays(6));

        var daily = result.Occurrences.Where(o => o.Key.Contains("daily-dst@example.com", StringComparison.Ordinal)).ToList();
        // 09:00 CET is 08:00 UTC; from Sunday 29 March 09:00 CEST is 07:00 UTC.
        Assert.Equal([Utc(3, 27, 8), Utc(3, 28, 8), Utc(3, 29, 7), Utc(3, 30, 7), Utc(3, 31, 7)], daily.Select(o => o.Start!.Value));
        Assert.Equal([Utc(3, 27, 8, 15), Utc(3, 28, 8, 15), Utc(3, 29, 7, 15), Utc(3, 30, 7, 15), Utc(3, 31, 7, 15)], daily.Select(o => o.End!.Value));
        Assert.Equal(Key("daily-dst@example.com", "2026-03-29T07:00:00.0000000Z"), daily[2].Key);
    }

    [Fact]
    public void Parse_NewYorkEvent_UsesItsTzidAfterTheUsDstChange()
    {
        var review = Single(ParseTeam(), Key("ny-review@example.com", "single"));

        // 14:00 EDT (the US changed on 8 March) is 18:00 UTC.
        Assert.Equal(Utc(3, 10, 18), review.Start);
        Assert.Equal(Utc(3, 10, 19), review.End);
        Assert.Equal("America/New_York", review.TimeZone);
        Assert.Equal(new Person(null, "dana@example.net"), review.Organizer);
        Assert.Equal("Meeting id: wxyz-1234-5678", review.Texts[MeetingEvent.Fields.Description]);
    }

    [Fact]
    public void Parse_MeetingFields_ComeFromTheEvent()
    {
        var standup = Single(ParseTeam(horizon: TimeSpan.FromDays(7)), Key("standup@example.com", "2026-03-16T08:00:00.0000000Z"));

        Assert.Equal("calendar", standup.Source);
        Assert.Equal("calendar:team", standup.Origin);
        Assert.Equal(Feed, standup.EventType);
        Assert.Equal("Standup", standup.Title);
        Assert.Equal(Utc(3, 16, 8, 30), standup.End);
        Assert.Equal(new Person("Ann Admin", "ann@example.com"), standup.Organizer);
        Assert.Equal([new Person("Bob Builder", "bob@example.com"), new Person(null, "carol@example.org")], standup.Attendees);
        Assert.Equal(
            new Dictionary<string, string>
            {
                [MeetingEvent.Fields.Location] = "VideoSDK room abcd-efgh-ijkl",
                [MeetingEvent.Fields.JoinUrl] = "https://meet.example.com/abcd-efgh-ijkl",
                [MeetingEvent.Fields.Description] = "Daily standup.\nJoin: https://meet.example.com/abcd-efgh-ijkl",
            },
            standup.Texts);
        Assert.Null(standup.PreviousKey);
        Assert.Null(standup.MeetingId);
    }

    [Fact]
    public void Parse_FloatingTime_IsReadAsUtcAndSaysSo()
    {
        var result = ParseTeam();

        var lunch = Single(result, Key("floating@example.com", "single"));
        Assert.Equal(Utc(3, 11, 12), lunch.Start);
        Assert.Equal(Utc(3, 11, 13), lunch.End);
        Assert.Null(lunch.TimeZone);
        Assert.Contains(result.Problems, p => p.Contains("floating@example.com", StringComparison.Ordinal) && p.Contains("read as UTC", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_AllDayEvent_IsSkippedWithAProblem()
    {
        var result = ParseTeam();

        Assert.DoesNotContain(result.Occurrences, o => o.Key.Contains("offsite@example.com", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.Contains("offsite@example.com", StringComparison.Ordinal) && p.Contains("all-day", StringComparison.Ordinal));
        Assert.DoesNotContain("offsite@example.com", result.UnreadUids);
    }

    [Fact]
    public void Parse_BrokenEvent_IsSkippedAndNamed_TheRestIsRead()
    {
        var result = ParseTeam();

        Assert.DoesNotContain(result.Occurrences, o => o.Key.Contains("broken@example.com", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.Contains("broken@example.com", StringComparison.Ordinal) && p.Contains("DTSTART", StringComparison.Ordinal));
        Assert.Equal(["broken@example.com"], result.UnreadUids);
        Assert.Equal(5, result.Occurrences.Count);
    }

    [Fact]
    public void Parse_BrokenRuleFailsTheLibrary_OtherEventsAreStillRead()
    {
        var result = CalendarFeedParser.Parse(Feed, Fixture("broken-rrule.ics"), Now, Horizon);

        Assert.Equal(
            [Utc(3, 9, 9), Utc(3, 10, 9), Utc(3, 10, 10), Utc(3, 11, 9)],
            result.Occurrences.Select(o => o.Start!.Value));
        Assert.Contains(Key("good@example.com", "single"), result.Occurrences.Select(o => o.Key));
        Assert.Equal(["bad-rule@example.com"], result.UnreadUids);
        Assert.Contains(result.Problems, p => p.Contains("bad-rule@example.com", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_WindowStartsOneDayBack_Inclusive()
    {
        // The cancelled standup slot is at 2026-03-09 08:00 UTC.
        var atEdge = ParseTeam(now: Utc(3, 10, 8), horizon: TimeSpan.FromHours(1));
        var pastEdge = CalendarFeedParser.Parse(Feed, Fixture("team.ics"), Utc(3, 10, 8).AddSeconds(1), TimeSpan.FromHours(1));

        Assert.Contains(Key("standup@example.com", "2026-03-09T08:00:00.0000000Z"), atEdge.Occurrences.Select(o => o.Key));
        Assert.DoesNotContain(Key("standup@example.com", "2026-03-09T08:00:00.0000000Z"), pastEdge.Occurrences.Select(o => o.Key));
    }

    [Fact]
    public void Parse_WindowEndsAtTheHorizon_Inclusive()
    {
        // The New York review starts at 2026-03-10 18:00 UTC.
        var atEdge = ParseTeam(now: Utc(3, 10, 6), horizon: TimeSpan.FromHours(12));
        var beforeEdge = ParseTeam(now: Utc(3, 10, 6), horizon: TimeSpan.FromHours(12) - TimeSpan.FromSeconds(1));

        Assert.Contains(Key("ny-review@example.com", "single"), atEdge.Occurrences.Select(o => o.Key));
        Assert.DoesNotContain(Key("ny-review@example.com", "single"), beforeEdge.Occurrences.Select(o => o.Key));
    }

    [Fact]
    public void Parse_ShortHorizon_LeavesLaterOccurrencesOut()
    {
        var result = ParseTeam(horizon: TimeSpan.FromDays(1));

        Assert.Equal(
            [Key("standup@example.com", "2026-03-09T08:00:00.0000000Z"), Key("ny-review@example.com", "single")],
            result.Occurrences.Select(o => o.Key));
    }
}
