using AgentDispatch.Events;
using AgentDispatch.Jobs;

namespace AgentDispatch.Webhooks.Standard;

/// <summary>
/// The generic meeting event carried over Standard Webhooks (documented in docs/event-sources.md):
/// <c>{"type": "meeting.scheduled" | "meeting.rescheduled" | "meeting.cancelled", "meeting": {"id", "meetingId" or "joinUrl",
/// "title", "startTime", "endTime", "timeZone", "organizer": {"name", "email"}, "attendees": [...], "location", "description"}}</c>.
/// The job is keyed by <c>meeting.id</c>, so a reschedule or cancel finds it. Changes are ordered by the
/// optional top-level <c>timestamp</c> (when the change happened, RFC 3339; the Standard Webhooks payload
/// convention), else by the <c>webhook-timestamp</c> header, which a sender may renew on each retry.
/// </summary>
public static class StandardMeetingEvents
{
    public static WebhookParse Parse(ReadOnlyMemory<byte> body, DateTimeOffset signedAt)
    {
        using var document = Json.Parse(body, out var errors);
        if (document is null)
        {
            return WebhookParse.Invalid(errors!);
        }

        var root = document.RootElement;
        var type = root.Text("type");
        var kind = type switch
        {
            "meeting.scheduled" => MeetingEventKind.Scheduled,
            "meeting.rescheduled" => MeetingEventKind.Rescheduled,
            "meeting.cancelled" or "meeting.canceled" => MeetingEventKind.Cancelled,
            _ => (MeetingEventKind?)null,
        };
        if (kind is null)
        {
            return WebhookParse.Invalid("type", "must be meeting.scheduled, meeting.rescheduled or meeting.cancelled.");
        }

        DateTimeOffset? occurredAt = signedAt;
        if (root.At("timestamp") is { } stamp)
        {
            occurredAt = root.Time("timestamp");
            if (occurredAt is null || stamp.ValueKind != System.Text.Json.JsonValueKind.String)
            {
                return WebhookParse.Invalid("timestamp", "must be a time such as 2026-11-28T09:00:00Z (when the change happened).");
            }
        }

        if (root.At("meeting") is not { } m || m.Text("id") is not { } id)
        {
            return WebhookParse.Invalid("meeting.id", "is required: it identifies the meeting across its events.");
        }

        if (WebhookParse.IdsTooLong(("meeting.id", id), ("meeting.meetingId", m.Text("meetingId"))) is { } tooLong)
        {
            return tooLong;
        }

        var start = m.ReadTime("startTime");
        var end = m.ReadTime("endTime");
        var meetingEvent = new MeetingEvent
        {
            Source = JobSources.StandardWebhook,
            // A reschedule keeps meeting.id, so it is the same job with a new time: Scheduled semantics.
            Kind = kind == MeetingEventKind.Cancelled ? MeetingEventKind.Cancelled : MeetingEventKind.Scheduled,
            Key = "standard:" + id,
            EventType = type,
            Title = m.Text("title"),
            Start = start.At,
            End = end.At,
            TimeZone = m.Text("timeZone"),
            MeetingId = m.Text("meetingId"),
            Texts = Json.Texts(
                (MeetingEvent.Fields.JoinUrl, m.Text("joinUrl")),
                (MeetingEvent.Fields.Location, m.Text("location")),
                (MeetingEvent.Fields.Description, m.Text("description"))),
            Organizer = m.At("organizer") is { } o ? new Person(o.Text("name"), o.Text("email")) : null,
            Attendees = m.Items("attendees").Take(EventLimits.MaxAttendees).Select(a => new Person(a.Text("name"), a.Text("email"))).ToList(),
        };

        // A cancel needs no time; a scheduled meeting needs a start, and an end it gives must be a time.
        if (kind != MeetingEventKind.Cancelled
            && WebhookParse.BadTimes("meeting.startTime", start, "is required for a scheduled meeting.", "meeting.endTime", end) is { } badTimes)
        {
            return badTimes;
        }

        return WebhookParse.Of(meetingEvent, occurredAt);
    }
}
