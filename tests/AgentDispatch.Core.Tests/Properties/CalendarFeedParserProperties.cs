using AgentDispatch.Calendars;
using AgentDispatch.Events;
using AgentDispatch.Jobs;
using AgentDispatch.Testing.Properties;
using Xunit.Abstractions;

namespace AgentDispatch.Core.Tests.Properties;

/// <summary>
/// Hostile feeds (<see cref="FeedGen"/>) read at hostile times: the parser never throws anything but its own
/// <see cref="CalendarFeedException"/> for a broken file, and what it reports is sane.
/// </summary>
public sealed class CalendarFeedParserProperties(ITestOutputHelper output)
{
    [Fact]
    public void Parse_AnyFeedAtAnyTime_NeverThrowsAndReportsOnlySaneOccurrences()
    {
        int tooFar = 0, refused = 0, read = 0, occurrences = 0, valid = 0, problems = 0;
        PropertyRun.Check(
            output.WriteLine,
            FeedGen.Feed,
            feed =>
            {
                var result = Holds(feed);
                _ = result switch
                {
                    null when feed.Text.Length == 0 => 0,
                    null => Instants.Plus(feed.Now, feed.Horizon) is null || Instants.Plus(feed.Now, -CalendarFeedParser.LookBack) is null ? tooFar++ : refused++,
                    _ => read++,
                };
                occurrences += result?.Occurrences.Count ?? 0;
                problems += result?.Problems.Count ?? 0;
                valid += result is null ? 0 : feed.Valid.Count;
            },
            ciCases: 400,
            print: feed => feed.ToString());
        output.WriteLine($"{read} feeds read ({occurrences} occurrences, {valid} valid events found, {problems} problems), {refused} refused as broken, {tooFar} with a window beyond the calendar.");
    }

    /// <returns>What the parser made of the feed; null when it refused it or its window is not a time.</returns>
    internal static CalendarParseResult? Holds(FeedCase feed)
    {
        if (Instants.Plus(feed.Now, -CalendarFeedParser.LookBack) is null || Instants.Plus(feed.Now, feed.Horizon) is null)
        {
            // The window itself leaves the calendar: covered by the skipped regression test until Instants.Plus is used there.
            return null;
        }

        CalendarParseResult result;
        try
        {
            result = CalendarFeedParser.Parse(feed.FeedName, feed.Text, feed.Now, feed.Horizon);
        }
        catch (CalendarFeedException ex)
        {
            // The documented refusal of a file that is not a complete calendar; it names the feed, never its URL.
            Assert.DoesNotContain(feed.FeedSecret, ex.Message, StringComparison.Ordinal);
            Assert.Empty(feed.Valid);
            return null;
        }

        Assert.Equal(feed.Now.UtcDateTime - CalendarFeedParser.LookBack, result.WindowStart.UtcDateTime);
        Assert.Equal(feed.Now.UtcDateTime + feed.Horizon, result.WindowEnd.UtcDateTime);
        bool InWindow(DateTimeOffset at) => at >= result.WindowStart && at <= result.WindowEnd;

        foreach (var occurrence in result.Occurrences)
        {
            var start = Assert.NotNull(occurrence.Start);
            var identity = occurrence.Key[(occurrence.Key.LastIndexOf('\n') + 1)..];

            // A moved occurrence keeps its slot's key, so its start may lie anywhere when the slot is in the window.
            var slotInWindow = identity == CalendarFeedParser.SingleIdentity
                ? feed.Text.Contains("RECURRENCE-ID", StringComparison.OrdinalIgnoreCase)
                : InWindow(DateTimeOffset.Parse(identity, System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(InWindow(start) || slotInWindow, $"{Show(occurrence)} starts outside [{result.WindowStart:O}, {result.WindowEnd:O}] and so does its slot.");
            Assert.True(occurrence.End is null || occurrence.End >= start, $"{Show(occurrence)} ends before it starts.");
            Assert.StartsWith($"calendar:{feed.FeedName}\n", occurrence.Key, StringComparison.Ordinal);
        }

        var duplicate = result.Occurrences.GroupBy(o => o.Key, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        Assert.True(duplicate is null, $"Key {Show(duplicate?.Key)} is reported {duplicate?.Count()} times.");
        var largest = result.Occurrences.GroupBy(o => o.Key[..o.Key.LastIndexOf('\n')], StringComparer.Ordinal).MaxBy(g => g.Count());
        Assert.True(largest is null || largest.Count() <= CalendarFeedParser.MaxOccurrencesPerSeries, $"{largest?.Count()} occurrences of one series.");
        Assert.Equal(result.Occurrences.OrderBy(o => o.Start).Select(o => o.Start), result.Occurrences.Select(o => o.Start));

        foreach (var valid in feed.Valid)
        {
            var found = result.Occurrences.Where(o => o.Key == $"calendar:{feed.FeedName}\n{valid.Uid}\n{CalendarFeedParser.SingleIdentity}").ToList();
            Assert.True(found.Count == 1, $"The valid event {valid.Uid} at {valid.Start:O} was found {found.Count} times; problems:\n{string.Join("\n", result.Problems.Select(p => FeedCase.Show(p)))}");
            var occurrence = found[0];
            Assert.Equal(valid.Start, occurrence.Start);
            Assert.Equal(MeetingEventKind.Scheduled, occurrence.Kind);
            Assert.Contains(FeedGen.MeetingId, occurrence.Texts[MeetingEvent.Fields.JoinUrl], StringComparison.Ordinal);
            Assert.DoesNotContain(valid.Uid, result.UnreadUids);
        }

        foreach (var problem in result.Problems)
        {
            Assert.NotNull(problem);
            Assert.DoesNotContain(feed.FeedSecret, problem, StringComparison.Ordinal);
        }

        return result;
    }

    private static string Show(MeetingEvent occurrence) => $"{FeedCase.Show(occurrence.Key)} ({occurrence.Start:O} to {occurrence.End:O})";

    private static string Show(string? text) => text is null ? "null" : FeedCase.Show(text);
}
