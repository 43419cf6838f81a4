using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.Jobs;
using AgentDispatch.Testing.Webhooks;
using AgentDispatch.Webhooks;
using AgentDispatch.Webhooks.CalCom;
using AgentDispatch.Webhooks.Calendly;
using AgentDispatch.Webhooks.Standard;

namespace AgentDispatch.Core.Tests.Webhooks;

/// <summary>
/// A booking's start and end as each provider's parser reads them: absent is "required" (start) or none
/// (end), and text that is there but is no time says so, naming the same field, with the calendar's ends
/// told apart from text that is no time at all (docs/jobs.md, "Times at the ends of the calendar").
/// </summary>
public sealed class WebhookTimeFieldTests
{
    private const string NotATime = "must be a time such as 2026-12-01T09:00:00Z.";
    private const string Required = "is required";
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly string OutsideCalendar = Instants.OutsideCalendar + ".";

    private static readonly Dictionary<string, (string[] Start, string[] End)> Paths = new()
    {
        ["calendly"] = (["payload", "scheduled_event", "start_time"], ["payload", "scheduled_event", "end_time"]),
        ["calcom"] = (["payload", "startTime"], ["payload", "endTime"]),
        ["standard"] = (["meeting", "startTime"], ["meeting", "endTime"]),
    };

    public static TheoryData<string, string, string?, string?> Cases()
    {
        // (provider, field, the field's JSON or null to remove it, what the 400 says or null when it is read)
        var data = new TheoryData<string, string, string?, string?>();
        foreach (var provider in Paths.Keys)
        {
            data.Add(provider, "start", "\"9999-12-31T23:00:00-14:00\"", "outside");
            data.Add(provider, "start", "\"0001-01-01T00:00:00+14:00\"", "outside");
            data.Add(provider, "start", "\"next tuesday at nine\"", NotATime);
            data.Add(provider, "start", "\"2026-13-01T09:00:00Z\"", NotATime);
            data.Add(provider, "start", "1764579600", NotATime);
            data.Add(provider, "start", null, Required);
            data.Add(provider, "start", "null", Required);
            data.Add(provider, "start", "\"\"", Required);
            data.Add(provider, "end", "\"9999-12-31T23:00:00-14:00\"", "outside");
            data.Add(provider, "end", "\"soon\"", NotATime);
            data.Add(provider, "end", null, null);
            data.Add(provider, "end", "\"2026-12-01T10:00:00+01:00\"", null);
        }

        return data;
    }

    private static byte[] Booking(string provider, bool cancelled = false) => provider switch
    {
        "calendly" => cancelled ? WebhookPayloads.CalendlyCanceled("INV1", Start, Start) : WebhookPayloads.CalendlyCreated("INV1", Start, Start),
        "calcom" => WebhookPayloads.CalCom(cancelled ? "BOOKING_CANCELLED" : "BOOKING_CREATED", "uid-1", Start, Start),
        _ => WebhookPayloads.Standard(cancelled ? "meeting.cancelled" : "meeting.scheduled", "m-1", Start),
    };

    private static WebhookParse Parse(string provider, byte[] body) => provider switch
    {
        "calendly" => CalendlyEvents.Parse(body),
        "calcom" => CalComEvents.Parse(body),
        _ => StandardMeetingEvents.Parse(body, Start),
    };

    private static byte[] With(byte[] body, string[] path, string? json)
    {
        var root = JsonNode.Parse(body)!;
        var parent = path[..^1].Aggregate(root, (node, name) => node[name]!).AsObject();
        parent.Remove(path[^1]);
        if (json is not null)
        {
            parent[path[^1]] = JsonNode.Parse(json);
        }

        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BookingTime_ThatIsNoTime_IsRefusedNamingTheField_AndAbsentStaysRequired(string provider, string which, string? json, string? expected)
    {
        var path = which == "start" ? Paths[provider].Start : Paths[provider].End;
        var field = string.Join('.', path);

        var parsed = Parse(provider, With(Booking(provider), path, json));

        if (expected is null)
        {
            Assert.Null(parsed.Errors);
            Assert.NotNull(parsed.Event);
            return;
        }

        Assert.Null(parsed.Event);
        var errors = parsed.Errors!.ToDictionary();
        var message = Assert.Single(Assert.Single(errors, e => e.Key == field).Value);
        Assert.Single(errors);
        Assert.StartsWith(expected == "outside" ? OutsideCalendar : expected, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("calendly")]
    [InlineData("calcom")]
    [InlineData("standard")]
    public void Cancellation_WithAStartThatIsNoTime_IsStillACancellation(string provider)
    {
        var parsed = Parse(provider, With(Booking(provider, cancelled: true), Paths[provider].Start, "\"9999-12-31T23:00:00-14:00\""));

        Assert.Null(parsed.Errors);
        Assert.Equal(AgentDispatch.Events.MeetingEventKind.Cancelled, parsed.Event!.Kind);
        Assert.Null(parsed.Event.Start);
    }

    [Theory]
    [InlineData("calendly")]
    [InlineData("calcom")]
    [InlineData("standard")]
    public void BothTimesNoTime_BothFieldsAreNamed(string provider)
    {
        var body = With(With(Booking(provider), Paths[provider].Start, "\"0001-01-01T00:00:00+14:00\""), Paths[provider].End, "\"later\"");

        var errors = Parse(provider, body).Errors!;

        Assert.True(errors.Has(string.Join('.', Paths[provider].Start)));
        Assert.True(errors.Has(string.Join('.', Paths[provider].End)));
    }
}
