using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentDispatch.Events;
using AgentDispatch.Events.Routing;
using AgentDispatch.Requests;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Core.Tests.Events;

/// <summary>
/// What a hostile but well-signed event can make the regular expressions and templates do
/// (docs/event-sources.md#limits): texts bounded, patterns that run away stopped with a known outcome,
/// rendered metadata no larger than the API accepts.
/// </summary>
public sealed class EventLimitsTests
{
    // Catastrophic backtracking: on "aaaa…a!" this tries every way to split the a's before failing.
    private const string RunawayPattern = "^(a+)+$";

    private static readonly string RunawayText = new string('a', 4096) + "!";

    private static MeetingEvent Event(string? title = null, IReadOnlyDictionary<string, string>? texts = null, IReadOnlyList<Person>? attendees = null)
        => new()
        {
            Source = "standard",
            Kind = MeetingEventKind.Scheduled,
            Key = "standard:1",
            Title = title,
            Texts = texts ?? new Dictionary<string, string>(),
            Attendees = attendees ?? [],
        };

    private static IConfiguration Settings(params (string Key, string Value)[] settings)
        => new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();

    private static Router Router(TimeSpan? routingTimeout = null, params (string Key, string Value)[] settings)
    {
        var options = Options.Create(Settings(settings).GetSection(RoutingOptions.Section).Get<RoutingOptions>() ?? new RoutingOptions());
        return routingTimeout is { } timeout ? new Router(options, timeout) : new Router(options);
    }

    [Fact]
    public void MeetingIdFinder_RunawayPatternOnAField_GivesThatFieldUp_AndStillSearchesTheNext()
    {
        var finder = new MeetingIdFinder(Settings(
            ("MeetingIds:Pattern", @"^(a+)+$|room=(?<meetingId>[a-z0-9-]+)"), ("MeetingIds:Fields", "location,description")));
        var e = Event(texts: new Dictionary<string, string>
        {
            [MeetingEvent.Fields.Location] = RunawayText,
            [MeetingEvent.Fields.Description] = "room=wxyz-1234-abcd",
        });

        Assert.Equal(("wxyz-1234-abcd", MeetingEvent.Fields.Description), finder.Find(e));
    }

    [Fact]
    public void MeetingIdFinder_RunawayPatternOnEveryField_ThrowsTheTimeout_SoTheEventIsNotReadAsHavingNoId()
    {
        var finder = new MeetingIdFinder(Settings(("MeetingIds:Pattern", @"^(a+)+$(?<meetingId>x)?"), ("MeetingIds:Fields", "joinUrl,location,description,answers")));
        var texts = new[] { MeetingEvent.Fields.JoinUrl, MeetingEvent.Fields.Location, MeetingEvent.Fields.Description, MeetingEvent.Fields.Answers }
            .ToDictionary(f => f, _ => RunawayText);

        // MeetingEventProcessor answers this exception with "ignored, nothing changed" (see WebhookLimitsFlowTests).
        Assert.Throws<RegexMatchTimeoutException>(() => finder.Find(Event(texts: texts)));
    }

    [Fact]
    public void MeetingIdFinder_RunawayPatternOnOneField_AndNoIdInTheOthers_ThrowsTheTimeout()
    {
        var finder = new MeetingIdFinder(Settings(
            ("MeetingIds:Pattern", @"^(a+)+$|room=(?<meetingId>[a-z0-9-]+)"), ("MeetingIds:Fields", "location,description")));
        var e = Event(texts: new Dictionary<string, string>
        {
            [MeetingEvent.Fields.Location] = RunawayText,
            [MeetingEvent.Fields.Description] = "no room here",
        });

        Assert.Throws<RegexMatchTimeoutException>(() => finder.Find(e));
    }

    [Fact]
    public void MeetingIdFinder_NoFieldTimesOut_AndNoneHasAnId_FindsNone()
    {
        var finder = new MeetingIdFinder(Settings(("MeetingIds:Pattern", @"^(a+)+$|room=(?<meetingId>[a-z0-9-]+)"), ("MeetingIds:Fields", "location")));

        Assert.Equal((null, null), finder.Find(Event(texts: new Dictionary<string, string> { [MeetingEvent.Fields.Location] = "aaaa" })));
    }

    [Fact]
    public void Router_RunawayTitlePattern_ThrowsTheTimeout_SoTheEventIsNotRouted_NotHandedToTheNextRule()
    {
        var router = Router(null,
            ("Routing:Rules:0:Name", "a-titles"), ("Routing:Rules:0:TitlePattern", RunawayPattern), ("Routing:Rules:0:AgentId", "a-agent"),
            ("Routing:Rules:1:Name", "everything"), ("Routing:Rules:1:AgentId", "fallback"));

        // MeetingEventProcessor answers this exception with "ignored, nothing changed" (see WebhookLimitsFlowTests).
        Assert.Throws<RegexMatchTimeoutException>(() => router.Match(Event(title: RunawayText), "abcd-efgh-ijkl", []));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Router_PatternsTogetherPastTheEventsBudget_ThrowTheTimeout(bool spent)
    {
        // A budget of zero is spent by the first pattern: the total per event is checked, not only each pattern.
        var router = Router(spent ? TimeSpan.Zero : EventLimits.RoutingTimeout,
            ("Routing:Rules:0:Name", "sales"), ("Routing:Rules:0:TitlePattern", "^Sales"), ("Routing:Rules:0:AgentId", "sales-agent"),
            ("Routing:Rules:1:Name", "everything"), ("Routing:Rules:1:AgentId", "fallback"));

        var match = () => router.Match(Event(title: "Demo"), "abcd-efgh-ijkl", []);

        if (spent)
        {
            Assert.Throws<RegexMatchTimeoutException>(match);
        }
        else
        {
            Assert.Equal("everything", match()!.RuleName);
        }
    }

    [Theory]
    [InlineData(EventLimits.MaxVariableLength, false)]
    [InlineData(EventLimits.MaxVariableLength + 1, true)]
    public void TemplateVariable_IsCutAtTheLimit(int titleLength, bool cut)
    {
        var router = Router(null, ("Routing:Rules:0:Name", "r"), ("Routing:Rules:0:AgentId", "a"), ("Routing:Rules:0:Variables:title", "{{meeting.title}}"));
        var title = new string('t', titleLength);

        var value = Value(router.Match(Event(title: title), "abcd-efgh-ijkl", [])!, "title");

        Assert.Equal(cut ? new string('t', EventLimits.MaxVariableLength - 1) + EventLimits.Ellipsis : title, value);
    }

    [Fact]
    public void Metadata_OfManyLongVariables_IsCutToWhatTheApiAccepts()
    {
        // 40 variables of 1,024 characters of text that JSON escapes six bytes a character: far over 16 KiB as rendered.
        var settings = new List<(string, string)> { ("Routing:Rules:0:Name", "r"), ("Routing:Rules:0:AgentId", "a") };
        settings.AddRange(Enumerable.Range(0, 40).Select(i => ($"Routing:Rules:0:Variables:v{i}", "{{meeting.title}}")));
        var router = Router(null, [.. settings]);

        var route = router.Match(Event(title: new string('\u0001', EventLimits.MaxTitleLength)), "abcd-efgh-ijkl", [])!;

        var size = Encoding.UTF8.GetByteCount(route.Metadata!.Value.GetRawText());
        Assert.InRange(size, 1, DispatchRequestParser.MaxMetadataBytes);
        Assert.All(Enumerable.Range(0, 40), i => Assert.EndsWith(EventLimits.Ellipsis, Value(route, $"v{i}"), StringComparison.Ordinal));
    }

    [Fact]
    public void AttendeesNames_OfTheMostAttendees_IsCutToTheVariableLimit()
    {
        var attendees = Enumerable.Range(0, EventLimits.MaxAttendees + 5).Select(i => new Person(new string('n', EventLimits.MaxNameLength + 10), null)).ToList();
        var router = Router(null, ("Routing:Rules:0:Name", "r"), ("Routing:Rules:0:AgentId", "a"),
            ("Routing:Rules:0:Variables:names", "{{attendees.names}}"), ("Routing:Rules:0:Variables:count", "{{attendees.count}}"));

        var route = router.Match(Event(attendees: attendees), "abcd-efgh-ijkl", [])!;

        Assert.Equal(EventLimits.MaxVariableLength, Value(route, "names").Length);
        Assert.Equal(EventLimits.MaxAttendees.ToString(System.Globalization.CultureInfo.InvariantCulture), Value(route, "count"));
    }

    private static string Value(Route route, string name)
        => route.Metadata!.Value.GetProperty("variables").EnumerateArray().First(v => v.GetProperty("name").GetString() == name).GetProperty("value").GetString()!;
}
