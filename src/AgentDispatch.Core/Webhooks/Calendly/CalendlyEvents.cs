using AgentDispatch.Events;
using AgentDispatch.Jobs;

namespace AgentDispatch.Webhooks.Calendly;

/// <summary>
/// Calendly's <c>invitee.created</c> and <c>invitee.canceled</c> deliveries as meeting events, keyed by
/// the invitee's URI. A reschedule arrives as <c>invitee.canceled</c> with <c>rescheduled: true</c> for
/// the old invitee and <c>invitee.created</c> carrying <c>old_invitee</c> for the new one, in either
/// order: the old job is held (cancelled for reschedule) and then moved, never doubled.
/// </summary>
public static class CalendlyEvents
{
    public static WebhookParse Parse(ReadOnlyMemory<byte> body)
    {
        using var document = Json.Parse(body, out var errors);
        if (document is null)
        {
            return WebhookParse.Invalid(errors!);
        }

        var root = document.RootElement;
        var kind = root.Text("event");
        var payload = root.At("payload");
        if (kind is not ("invitee.created" or "invitee.canceled"))
        {
            return WebhookParse.Ignore($"Calendly event '{kind ?? "(none)"}' does not concern a meeting's schedule");
        }

        if (payload is not { } p || p.Text("uri") is not { } invitee)
        {
            return WebhookParse.Invalid("payload.uri", "is required: the invitee's URI identifies the booking.");
        }

        if (WebhookParse.IdsTooLong(("payload.uri", invitee), ("payload.old_invitee", p.Text("old_invitee"))) is { } tooLong)
        {
            return tooLong;
        }

        var scheduled = p.At("scheduled_event");
        var start = p.ReadTime("scheduled_event", "start_time");
        var end = p.ReadTime("scheduled_event", "end_time");
        var organizer = scheduled?.Items("event_memberships").Select(m => new Person(m.Text("user_name"), m.Text("user_email"))).FirstOrDefault();
        var answers = string.Join("\n", p.Items("questions_and_answers").Take(EventLimits.MaxAnswers).Select(qa => qa.Text("answer")).Where(a => a is not null));
        var meetingEvent = new MeetingEvent
        {
            Source = JobSources.Calendly,
            Kind = kind == "invitee.canceled" ? MeetingEventKind.Cancelled : p.Text("old_invitee") is null ? MeetingEventKind.Scheduled : MeetingEventKind.Rescheduled,
            Key = Key(invitee),
            PreviousKey = kind == "invitee.created" && p.Text("old_invitee") is { } old ? Key(old) : null,
            CancelledForReschedule = kind == "invitee.canceled" && p.Flag("rescheduled") == true,
            EventType = scheduled?.Text("name"),
            Title = scheduled?.Text("name"),
            Start = start.At,
            End = end.At,
            TimeZone = p.Text("timezone"),
            Texts = Json.Texts(
                (MeetingEvent.Fields.JoinUrl, scheduled?.Text("location", "join_url")),
                (MeetingEvent.Fields.Location, scheduled?.Text("location", "location")),
                (MeetingEvent.Fields.Answers, answers)),
            Organizer = organizer,
            Attendees = [new Person(p.Text("name"), p.Text("email"))],
        };

        // A cancel needs no time; a booking needs a start, and an end it gives must be a time.
        if (meetingEvent.Kind != MeetingEventKind.Cancelled
            && WebhookParse.BadTimes("payload.scheduled_event.start_time", start, "is required for a booking.", "payload.scheduled_event.end_time", end) is { } badTimes)
        {
            return badTimes;
        }

        return WebhookParse.Of(meetingEvent, root.Time("created_at"));
    }

    public static string Key(string inviteeUri) => "calendly:" + inviteeUri;
}
