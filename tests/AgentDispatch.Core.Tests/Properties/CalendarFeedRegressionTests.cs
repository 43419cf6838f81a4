using System.Diagnostics;
using AgentDispatch.Calendars;

namespace AgentDispatch.Core.Tests.Properties;

/// <summary>Feeds <see cref="CalendarFeedParserProperties"/> found a parser bug with, shrunk to what it takes.</summary>
public sealed class CalendarFeedRegressionTests
{
    private const string Feed = "team";

    private static string Calendar(params string[] lines)
        => "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n" + string.Concat(lines.Select(l => l + "\r\n")) + "END:VEVENT\r\nEND:VCALENDAR\r\n";

    [Fact]
    public void Parse_SecondlyRuleFromTheYearOne_IsTakenForAMistakeInsteadOfSteppingForDays()
    {
        // Ical.Net stepped through every second from 0001 to the window: 6e10 steps.
        var watch = Stopwatch.StartNew();
        var result = CalendarFeedParser.Parse(Feed, Calendar("UID:meet-1", "DTSTART:00010101T230227Z", "RRULE:FREQ=SECONDLY"), new DateTimeOffset(2032, 5, 3, 13, 12, 53, TimeSpan.Zero), TimeSpan.FromDays(31));

        Assert.Empty(result.Occurrences);
        Assert.Contains("meet-1", result.UnreadUids);
        Assert.Contains(result.Problems, p => p.Contains("before the window", StringComparison.Ordinal));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Parse_OverrideWithARuleOfItsOwnThatNeverMatches_IsReadAsItsOneOccurrence()
    {
        // Found with DTSTART in the year 0116: Ical.Net looked for the rule's first match for minutes, then gave up.
        var result = CalendarFeedParser.Parse(
            Feed,
            Calendar("UID:meet-1", "RECURRENCE-ID:20320510T080000Z", "DTSTART;TZID=W. Europe Standard Time:20320510T100000", "RRULE:FREQ=MINUTELY;BYDAY=53SU;BYMINUTE=59"),
            new DateTimeOffset(2032, 5, 3, 13, 12, 53, TimeSpan.Zero),
            TimeSpan.FromDays(31));

        var occurrence = Assert.Single(result.Occurrences);
        Assert.Equal(new DateTimeOffset(2032, 5, 10, 8, 0, 0, TimeSpan.Zero), occurrence.Start);
        Assert.Empty(result.UnreadUids);
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00Z", 2)]
    [InlineData("0001-01-01T23:59:59Z", 2)]
    [InlineData("9999-12-31T00:00:00Z", 2)]
    [InlineData("9999-12-01T00:00:00Z", 31)]
    public void Parse_NowWhoseWindowLeavesTheCalendar_DoesNotOverflow(string now, int horizonDays)
    {
        var at = DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture);

        var thrown = Record.Exception(() => CalendarFeedParser.Parse(Feed, Calendar("UID:meet-1", "DTSTART:20260310T100000Z"), at, TimeSpan.FromDays(horizonDays)));

        Assert.True(thrown is null or CalendarFeedException, thrown?.ToString());
    }
}
