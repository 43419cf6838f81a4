using System.Text.Json;
using AgentDispatch.Events;
using AgentDispatch.Jobs;

namespace AgentDispatch.Webhooks.CalCom;

/// <summary>
/// Cal.com's booking deliveries as meeting events, keyed by the booking's <c>uid</c>. A reschedule is
/// one <c>BOOKING_RESCHEDULED</c> with the new booking's <c>uid</c> and the old one's <c>rescheduleUid</c>.
/// </summary>
public static class CalComEvents
{
    public static WebhookParse Parse(ReadOnlyMemory<byte> body)
    {
        using var document = Json.Parse(body, out var errors);
        if (document is null)
        {
            return WebhookParse.Invalid(errors!);
        }

        var root = document.RootElement;
        var trigger = root.Text("triggerEvent");
        var kind = trigger switch
        {
            "BOOKING_CREATED" => MeetingEventKind.Scheduled,
            "BOOKING_RESCHEDULED" => MeetingEventKind.Rescheduled,
            "BOOKING_CANCELLED" => MeetingEventKind.Cancelled,
            _ => (MeetingEventKind?)null,
        };
        if (kind is null)
        {
            return WebhookParse.Ignore($"Cal.com trigger '{trigger ?? "(none)"}' does not concern a booking's schedule");
        }

        if (root.At("payload") is not { } p || p.Text("uid") is not { } uid)
        {
            return WebhookParse.Invalid("payload.uid", "is required: the booking's uid identifies it.");
        }

        if (WebhookParse.IdsTooLong(("payload.uid", uid), ("payload.rescheduleUid", kind == MeetingEventKind.Rescheduled ? p.Text("rescheduleUid") : null)) is { } tooLong)
        {
            return tooLong;
        }

        var answers = p.At("responses") is { ValueKind: JsonValueKind.Object } responses
            ? string.Join("\n", responses.EnumerateObject().Take(EventLimits.MaxAnswers).Select(r => ResponseText(r.Value)).Where(t => t is not null))
            : null;
        var start = p.ReadTime("startTime");
        var end = p.ReadTime("endTime");
        var meetingEvent = new MeetingEvent
        {
            Source = JobSources.CalCom,
            Kind = kind.Value,
            Key = Key(uid),
            PreviousKey = kind == MeetingEventKind.Rescheduled && p.Text("rescheduleUid") is { } old ? Key(old) : null,
            EventType = p.Text("type"),
            Title = p.Text("title"),
            Start = start.At,
            End = end.At,
            TimeZone = p.Text("organizer", "timeZone"),
            Texts = Json.Texts(
                (MeetingEvent.Fields.JoinUrl, p.Text("metadata", "videoCallUrl")),
                (MeetingEvent.Fields.JoinUrl, p.Text("videoCallData", "url")),
                (MeetingEvent.Fields.Location, p.Text("location")),
                (MeetingEvent.Fields.Description, p.Text("description")),
                (MeetingEvent.Fields.Description, p.Text("additionalNotes")),
                (MeetingEvent.Fields.Answers, answers)),
            Organizer = p.At("organizer") is { } o ? new Person(o.Text("name"), o.Text("email")) : null,
            Attendees = p.Items("attendees").Take(EventLimits.MaxAttendees).Select(a => new Person(a.Text("name"), a.Text("email"))).ToList(),
        };

        // A cancel needs no time; a booking needs a start, and an end it gives must be a time.
        if (kind != MeetingEventKind.Cancelled
            && WebhookParse.BadTimes("payload.startTime", start, "is required for a booking.", "payload.endTime", end) is { } badTimes)
        {
            return badTimes;
        }

        return WebhookParse.Of(meetingEvent, root.Time("createdAt"));
    }

    public static string Key(string uid) => "calcom:" + uid;

    // A response is {"label": ..., "value": <string | object>}; only text values can hold a meeting link.
    private static string? ResponseText(JsonElement response)
        => response.Text("value") ?? response.Text("value", "value");
}
