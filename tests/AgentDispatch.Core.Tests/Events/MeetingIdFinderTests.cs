using AgentDispatch.Events;
using Microsoft.Extensions.Configuration;

namespace AgentDispatch.Core.Tests.Events;

public sealed class MeetingIdFinderTests
{
    private static MeetingIdFinder Finder(params (string Key, string Value)[] settings)
        => new(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build());

    private static MeetingEvent Event(string source = "calendly", string? joinUrl = null, string? location = null, string? description = null, string? answers = null, string? meetingId = null)
        => new()
        {
            Source = source,
            Kind = MeetingEventKind.Scheduled,
            Key = "k",
            MeetingId = meetingId,
            Texts = new[] { (MeetingEvent.Fields.JoinUrl, joinUrl), (MeetingEvent.Fields.Location, location), (MeetingEvent.Fields.Description, description), (MeetingEvent.Fields.Answers, answers) }
                .Where(t => t.Item2 is not null).ToDictionary(t => t.Item1, t => t.Item2!),
        };

    [Theory]
    [InlineData("https://app.videosdk.live/meeting/abcd-efgh-ijkl", null, "abcd-efgh-ijkl", "joinUrl")]
    [InlineData(null, "Room: wxyz-1234-abcd (VideoSDK)", "wxyz-1234-abcd", "location")]
    [InlineData("https://zoom.us/j/123456789", "Office 3", null, null)]
    [InlineData("https://example.com/abcd-efgh-ijkl-mnop", null, null, null)]
    public void Find_DefaultRule_FindsRoomIdsInUrlsAndText(string? joinUrl, string? location, string? expected, string? field)
        => Assert.Equal((expected, field), Finder().Find(Event(joinUrl: joinUrl, location: location)));

    [Fact]
    public void Find_FieldOrder_JoinUrlBeforeDescription()
        => Assert.Equal("aaaa-bbbb-cccc", Finder().Find(Event(joinUrl: "https://v/aaaa-bbbb-cccc", description: "dddd-eeee-ffff")).MeetingId);

    [Fact]
    public void Find_ExplicitMeetingId_Wins()
        => Assert.Equal(("given", "meetingId"), Finder().Find(Event(meetingId: "given", joinUrl: "https://v/aaaa-bbbb-cccc")));

    [Theory]
    [InlineData(" padded ")]
    [InlineData("bell\u0007")]
    [InlineData("")]
    public void Find_ExplicitMeetingIdThatIsNotAnId_IsNoMeetingId(string given)
        => Assert.Equal((null, null), Finder().Find(Event(meetingId: given.Length == 0 ? new string('x', 300) : given, joinUrl: "https://v/aaaa-bbbb-cccc")));

    [Fact]
    public void Find_DefaultFields_SkipBookingAnswers_WhichTheBookerWrites()
    {
        // A booker could type someone else's room id into a booking question and have an agent sent there.
        Assert.Equal((null, null), Finder().Find(Event(answers: "my room is aaaa-bbbb-cccc")));
        Assert.Equal("aaaa-bbbb-cccc", Finder(("MeetingIds:Fields", "joinUrl,answers")).Find(Event(answers: "my room is aaaa-bbbb-cccc")).MeetingId);
    }

    [Fact]
    public void Find_PerSourceRule_OverridesTheDefault()
    {
        var finder = Finder(("MeetingIds:CalCom:Pattern", @"room=(?<meetingId>[A-Za-z0-9_-]+)"), ("MeetingIds:CalCom:Fields", "answers"));

        Assert.Equal("custom_room-7", finder.Find(Event(source: "calcom", answers: "see https://x/?room=custom_room-7", joinUrl: "https://v/aaaa-bbbb-cccc")).MeetingId);
        Assert.Equal("aaaa-bbbb-cccc", finder.Find(Event(source: "calendly", joinUrl: "https://v/aaaa-bbbb-cccc")).MeetingId);
    }

    [Theory]
    [InlineData("MeetingIds:Pattern", "(broken", "MeetingIds:Pattern is not a valid regular expression")]
    [InlineData("MeetingIds:Pattern", "[a-z]+", "needs a named group")]
    [InlineData("MeetingIds:Fields", "joinUrl,subject", "unknown: subject")]
    public void Validate_BadRule_NamesTheSetting(string key, string value, string message)
        => Assert.Contains(message, Assert.Single(MeetingIdFinder.Validate(new ConfigurationBuilder().AddInMemoryCollection([KeyValuePair.Create(key, (string?)value)]).Build())), StringComparison.Ordinal);
}
