using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.Events;
using AgentDispatch.Webhooks;
using AgentDispatch.Webhooks.CalCom;
using AgentDispatch.Webhooks.Calendly;
using AgentDispatch.Webhooks.Standard;

namespace AgentDispatch.Core.Tests.Webhooks;

/// <summary>
/// The limits on what a signed delivery may hold (docs/event-sources.md#limits), each just at the limit
/// (read as sent) and just over it (refused naming the field, or cut as documented).
/// </summary>
public sealed class PayloadLimitsTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static string Text(int length, char c = 'x') => new(c, length);

    private static byte[] Bytes(JsonObject json) => Encoding.UTF8.GetBytes(json.ToJsonString());

    private static JsonObject Calendly(string uri, string? oldInvitee = null, JsonArray? answers = null)
        => new()
        {
            ["event"] = "invitee.created",
            ["created_at"] = "2026-11-28T12:00:00Z",
            ["payload"] = new JsonObject
            {
                ["uri"] = uri,
                ["old_invitee"] = oldInvitee,
                ["name"] = "Jane",
                ["email"] = "jane@customer.example",
                ["questions_and_answers"] = answers ?? [],
                ["scheduled_event"] = new JsonObject
                {
                    ["name"] = "Product demo",
                    ["start_time"] = "2026-12-01T09:00:00Z",
                    ["end_time"] = "2026-12-01T09:30:00Z",
                    ["location"] = new JsonObject { ["join_url"] = "https://app.videosdk.live/meeting/abcd-efgh-ijkl" },
                },
            },
        };

    private static JsonObject CalCom(string uid, string trigger = "BOOKING_CREATED", string? rescheduleUid = null, JsonObject? responses = null, JsonArray? attendees = null)
        => new()
        {
            ["triggerEvent"] = trigger,
            ["createdAt"] = "2026-11-28T12:00:00Z",
            ["payload"] = new JsonObject
            {
                ["uid"] = uid,
                ["rescheduleUid"] = rescheduleUid,
                ["title"] = "Demo",
                ["startTime"] = "2026-12-01T09:00:00Z",
                ["endTime"] = "2026-12-01T09:30:00Z",
                ["responses"] = responses ?? [],
                ["attendees"] = attendees ?? [],
            },
        };

    private static JsonObject Standard(Action<JsonObject> meeting)
    {
        var m = new JsonObject
        {
            ["id"] = "crm-meeting-4711",
            ["joinUrl"] = "https://app.videosdk.live/meeting/abcd-efgh-ijkl",
            ["title"] = "Quarterly review",
            ["startTime"] = "2026-12-01T09:00:00Z",
        };
        meeting(m);
        return new JsonObject { ["type"] = "meeting.scheduled", ["meeting"] = m };
    }

    private static WebhookParse Parse(string provider, JsonObject json) => provider switch
    {
        "calendly" => CalendlyEvents.Parse(Bytes(json)),
        "calcom" => CalComEvents.Parse(Bytes(json)),
        _ => StandardMeetingEvents.Parse(Bytes(json), Start),
    };

    public static TheoryData<string, string, int> Ids()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var (provider, field) in new[]
                 {
                     ("calendly", "payload.uri"), ("calendly", "payload.old_invitee"), ("calcom", "payload.uid"), ("calcom", "payload.rescheduleUid"),
                     ("standard", "meeting.id"), ("standard", "meeting.meetingId"),
                 })
        {
            data.Add(provider, field, EventLimits.MaxIdLength);
            data.Add(provider, field, EventLimits.MaxIdLength + 1);
        }

        return data;
    }

    private static JsonObject WithId(string provider, string field, string id) => (provider, field) switch
    {
        ("calendly", "payload.uri") => Calendly(id),
        ("calendly", _) => Calendly("https://api.calendly.com/invitees/NEW", oldInvitee: id),
        ("calcom", "payload.uid") => CalCom(id),
        ("calcom", _) => CalCom("new-uid", "BOOKING_RESCHEDULED", rescheduleUid: id),
        ("standard", "meeting.id") => Standard(m => m["id"] = id),
        _ => Standard(m => m["meetingId"] = id),
    };

    [Theory]
    [MemberData(nameof(Ids))]
    public void Id_AtTheLimitIsRead_OverItIsRefusedNamingTheField(string provider, string field, int length)
    {
        var id = "a" + Text(length - 1, 'b');

        var parsed = Parse(provider, WithId(provider, field, id));

        if (length <= EventLimits.MaxIdLength)
        {
            Assert.Null(parsed.Errors);
            var e = Assert.IsType<MeetingEvent>(parsed.Event);
            Assert.True(e.Key.EndsWith(id, StringComparison.Ordinal) || e.PreviousKey?.EndsWith(id, StringComparison.Ordinal) == true || e.MeetingId == id);
        }
        else
        {
            Assert.Null(parsed.Event);
            var messages = Assert.Single(parsed.Errors!.ToDictionary(), e => e.Key == field).Value;
            Assert.Contains($"at most {EventLimits.MaxIdLength} characters (it has {length})", Assert.Single(messages), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("standard", EventLimits.MaxAttendees)]
    [InlineData("standard", EventLimits.MaxAttendees + 1)]
    [InlineData("calcom", EventLimits.MaxAttendees)]
    [InlineData("calcom", EventLimits.MaxAttendees + 1)]
    public void Attendees_AreReadUpToTheLimit_TheRestIgnored(string provider, int count)
    {
        var attendees = new JsonArray([.. Enumerable.Range(0, count).Select(i => (JsonNode)new JsonObject { ["name"] = $"a{i}", ["email"] = $"a{i}@x.example" })]);
        var json = provider == "calcom" ? CalCom("uid-1", attendees: attendees) : Standard(m => m["attendees"] = attendees);

        var e = Parse(provider, json).Event!;

        Assert.Equal(Math.Min(count, EventLimits.MaxAttendees), e.Attendees.Count);
        Assert.Equal($"a{EventLimits.MaxAttendees - 1}", e.Attendees[^1].Name);
    }

    [Theory]
    [InlineData("calendly", EventLimits.MaxAnswers)]
    [InlineData("calendly", EventLimits.MaxAnswers + 1)]
    [InlineData("calcom", EventLimits.MaxAnswers)]
    [InlineData("calcom", EventLimits.MaxAnswers + 1)]
    public void Answers_AreReadUpToTheLimit_TheRestIgnored(string provider, int count)
    {
        var json = provider == "calendly"
            ? Calendly("https://api.calendly.com/invitees/1", answers: new JsonArray([.. Enumerable.Range(0, count).Select(i => (JsonNode)new JsonObject { ["question"] = "q", ["answer"] = $"answer-{i}" })]))
            : CalCom("uid-1", responses: new JsonObject(Enumerable.Range(0, count).Select(i => KeyValuePair.Create($"q{i}", (JsonNode?)new JsonObject { ["value"] = $"answer-{i}" }))));

        var answers = Parse(provider, json).Event!.Texts[MeetingEvent.Fields.Answers].Split('\n');

        Assert.Equal(Math.Min(count, EventLimits.MaxAnswers), answers.Length);
        Assert.Equal($"answer-{EventLimits.MaxAnswers - 1}", answers[^1]);
    }

    public static TheoryData<string, int, int?, bool> FreeText() => new()
    {
        // field, length sent, length read (null: read as none), cut with an ellipsis
        { "title", EventLimits.MaxTitleLength, EventLimits.MaxTitleLength, false },
        { "title", EventLimits.MaxTitleLength + 1, EventLimits.MaxTitleLength, true },
        { "description", EventLimits.MaxTextLength, EventLimits.MaxTextLength, false },
        { "description", EventLimits.MaxTextLength + 1, EventLimits.MaxTextLength, true },
        { "organizer.name", EventLimits.MaxNameLength, EventLimits.MaxNameLength, false },
        { "organizer.name", EventLimits.MaxNameLength + 1, EventLimits.MaxNameLength, true },
        { "organizer.email", EventLimits.MaxEmailLength, EventLimits.MaxEmailLength, false },
        { "organizer.email", EventLimits.MaxEmailLength + 1, null, false },
        { "timeZone", EventLimits.MaxTimeZoneLength, EventLimits.MaxTimeZoneLength, false },
        { "timeZone", EventLimits.MaxTimeZoneLength + 1, null, false },
    };

    [Theory]
    [MemberData(nameof(FreeText))]
    public void FreeText_AtTheLimitIsReadAsSent_OverItIsCutOrReadAsNone(string field, int length, int? readLength, bool cut)
    {
        var value = field == "organizer.email" ? Text(length - "@x.example".Length) + "@x.example" : Text(length);
        var json = Standard(m =>
        {
            if (field.StartsWith("organizer.", StringComparison.Ordinal))
            {
                m["organizer"] = new JsonObject { [field["organizer.".Length..]] = value };
            }
            else
            {
                m[field] = value;
            }
        });

        var e = Parse("standard", json).Event!;
        var read = field switch
        {
            "title" => e.Title,
            "description" => e.Texts.GetValueOrDefault(MeetingEvent.Fields.Description),
            "organizer.name" => e.Organizer?.Name,
            "organizer.email" => e.Organizer?.Email,
            _ => e.TimeZone,
        };

        Assert.Equal(readLength, read?.Length);
        if (readLength is not null)
        {
            Assert.Equal(cut, read!.EndsWith(EventLimits.Ellipsis, StringComparison.Ordinal));
            Assert.StartsWith(value[..(readLength.Value - (cut ? 1 : 0))], read, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Cut_NeverSplitsASurrogatePair()
    {
        var text = Text(EventLimits.MaxTitleLength - 2) + "😀😀";

        var cut = EventLimits.Cut(text, EventLimits.MaxTitleLength)!;

        Assert.Equal(Text(EventLimits.MaxTitleLength - 2) + EventLimits.Ellipsis, cut);
        Assert.True(cut.Length <= EventLimits.MaxTitleLength);
    }
}
