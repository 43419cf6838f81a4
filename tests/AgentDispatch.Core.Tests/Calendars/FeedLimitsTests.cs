using System.Text;
using AgentDispatch.Calendars;
using AgentDispatch.Events;

namespace AgentDispatch.Core.Tests.Calendars;

/// <summary>
/// The limits on what a feed may hold (docs/event-sources.md#limits): a feed is trusted by its URL only,
/// so its UIDs, its number of events and of occurrences are bounded like a signed delivery's fields.
/// </summary>
public sealed class FeedLimitsTests
{
    private const string Feed = "limits";
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 6, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Horizon = TimeSpan.FromDays(2);

    private static string Calendar(IEnumerable<string> events)
    {
        var text = new StringBuilder("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\n");
        foreach (var e in events)
        {
            text.Append(e);
        }

        return text.Append("END:VCALENDAR\r\n").ToString();
    }

    private static string Event(string uid, params string[] lines)
        => $"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260301T000000Z\r\n" + string.Concat(lines.Select(l => l + "\r\n")) + "END:VEVENT\r\n";

    private static string Meeting(string uid) => Event(uid, "DTSTART:20260310T100000Z", "DTEND:20260310T103000Z", "SUMMARY:Review");

    private static CalendarParseResult Parse(string ics) => CalendarFeedParser.Parse(Feed, ics, Now, Horizon);

    [Theory]
    [InlineData(EventLimits.MaxIdLength)]
    [InlineData(EventLimits.MaxIdLength + 1)]
    public void Uid_AtTheLimitIsRead_OverItTheEventIsSkippedAndSaidSo(int length)
    {
        var uid = new string('u', length);

        var result = Parse(Calendar([Meeting(uid), Meeting("other")]));

        if (length <= EventLimits.MaxIdLength)
        {
            Assert.Contains(result.Occurrences, o => o.Key == $"calendar:{Feed}\n{uid}\nsingle");
            Assert.Empty(result.Problems);
        }
        else
        {
            Assert.DoesNotContain(result.Occurrences, o => o.Key.Contains(uid, StringComparison.Ordinal));
            var problem = Assert.Single(result.Problems);
            Assert.Contains($"UID of {length} characters, more than {EventLimits.MaxIdLength}: skipped", problem, StringComparison.Ordinal);
            Assert.DoesNotContain(uid, problem, StringComparison.Ordinal);
        }

        Assert.Contains(result.Occurrences, o => o.Key == $"calendar:{Feed}\nother\nsingle");
    }

    [Fact]
    public void Events_OverTheLimit_TheFeedIsNotRead_AndTheErrorSaysWhy()
    {
        var events = Enumerable.Range(0, CalendarFeedParser.MaxEvents + 1).Select(i => $"BEGIN:VEVENT\r\nUID:e{i}\r\nDTSTART:20200101T000000Z\r\nEND:VEVENT\r\n");

        var failure = Assert.Throws<CalendarFeedException>(() => Parse(Calendar(events)));

        Assert.False(failure.IsTransient);
        Assert.Contains($"{CalendarFeedParser.MaxEvents + 1} events (VEVENTs), more than {CalendarFeedParser.MaxEvents}", failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Events_AtTheLimit_AreRead()
    {
        // All in the past but one: what is at stake is reading this many, not applying them.
        var events = Enumerable.Range(0, CalendarFeedParser.MaxEvents - 1).Select(i => $"BEGIN:VEVENT\r\nUID:e{i}\r\nDTSTART:20200101T000000Z\r\nEND:VEVENT\r\n").Append(Meeting("now"));

        var result = Parse(Calendar(events));

        Assert.Equal($"calendar:{Feed}\nnow\nsingle", Assert.Single(result.Occurrences).Key);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Occurrences_AtTheLimitAreRead_OverItTheFeedIsNotRead(bool oneMore)
    {
        // Ten series of MaxOccurrencesPerSeries each: every series within its own limit, the feed at its limit.
        var series = CalendarFeedParser.MaxOccurrences / CalendarFeedParser.MaxOccurrencesPerSeries;
        var events = Enumerable.Range(0, series)
            .Select(i => Event($"s{i}", "DTSTART:20260310T070000Z", "DTEND:20260310T070030Z", $"RRULE:FREQ=MINUTELY;COUNT={CalendarFeedParser.MaxOccurrencesPerSeries}"))
            .Concat(oneMore ? [Meeting("one-more")] : []);

        if (oneMore)
        {
            var failure = Assert.Throws<CalendarFeedException>(() => Parse(Calendar(events)));
            Assert.Contains($"{CalendarFeedParser.MaxOccurrences + 1} occurrences in the window, more than {CalendarFeedParser.MaxOccurrences}", failure.Reason, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(CalendarFeedParser.MaxOccurrences, Parse(Calendar(events)).Occurrences.Count);
        }
    }

    [Theory]
    [InlineData(FeedReading.MaxLabelSummaryLength, false)]
    [InlineData(FeedReading.MaxLabelSummaryLength + 1, true)]
    public void SummaryQuotedInAProblemLine_IsCutAtTheLimit(int length, bool cut)
    {
        var summary = new string('s', length);

        var result = Parse(Calendar([Event("no-start", $"SUMMARY:{summary}")]));

        var problem = Assert.Single(result.Problems);
        var quoted = cut ? new string('s', FeedReading.MaxLabelSummaryLength - 1) + EventLimits.Ellipsis : summary;
        Assert.Contains($"'{quoted}' (UID no-start)", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(FeedReading.MaxQuotedLength, false)]
    [InlineData(FeedReading.MaxQuotedLength + 1, true)]
    [InlineData(100 * 1024, true)]
    public void UnknownTzidQuotedInAProblemLine_IsCutAtTheLimit(int length, bool cut)
    {
        var tzid = new string('z', length);

        var result = Parse(Calendar([Event("zoned", $"DTSTART;TZID={tzid}:20260310T100000", "SUMMARY:Review")]));

        var problem = Assert.Single(result.Problems);
        var quoted = cut ? new string('z', FeedReading.MaxQuotedLength - 1) + EventLimits.Ellipsis : tzid;
        Assert.Contains($"uses TZID '{quoted}', which is not a known", problem, StringComparison.Ordinal);
        Assert.True(problem.Length < 400, $"problem line of {problem.Length} characters");
    }

    [Fact]
    public void UnknownTzidQuotedInAProblemLine_IsNotCutInsideASurrogatePair()
    {
        // The emoji's high surrogate is the last character the cut would keep: it goes with its pair.
        var tzid = new string('z', FeedReading.MaxQuotedLength - 2) + "\U0001F600" + new string('z', 50);

        var problem = Assert.Single(Parse(Calendar([Event("zoned", $"DTSTART;TZID={tzid}:20260310T100000")])).Problems);

        Assert.Contains($"uses TZID '{new string('z', FeedReading.MaxQuotedLength - 2)}{EventLimits.Ellipsis}'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Attendees_AreReadUpToTheLimit()
    {
        var attendees = Enumerable.Range(0, EventLimits.MaxAttendees + 1).Select(i => $"ATTENDEE;CN=A{i}:mailto:a{i}@x.example").ToArray();

        var occurrence = Assert.Single(Parse(Calendar([Event("big", ["DTSTART:20260310T100000Z", "DTEND:20260310T103000Z", .. attendees])])).Occurrences);

        Assert.Equal(EventLimits.MaxAttendees, occurrence.Attendees.Count);
    }
}
