using AgentDispatch.Events;
using AgentDispatch.Testing.Webhooks;
using AgentDispatch.Webhooks.CalCom;
using AgentDispatch.Webhooks.Calendly;
using AgentDispatch.Webhooks.Standard;

namespace AgentDispatch.Core.Tests.Webhooks;

/// <summary>Provider payloads (shaped like their documented examples) read into meeting events.</summary>
public sealed class PayloadTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Created = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Calendly_InviteeCreated_IsAScheduledMeetingKeyedByTheInvitee()
    {
        var parsed = CalendlyEvents.Parse(WebhookPayloads.CalendlyCreated("INV1", Start, Created));

        var e = parsed.Event!;
        Assert.Equal(MeetingEventKind.Scheduled, e.Kind);
        Assert.Equal("calendly:https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2/invitees/INV1", e.Key);
        Assert.Equal(Start, e.Start);
        Assert.Equal(Start.AddMinutes(30), e.End);
        Assert.Equal("Product demo", e.EventType);
        Assert.Equal("https://app.videosdk.live/meeting/abcd-efgh-ijkl", e.Texts[MeetingEvent.Fields.JoinUrl]);
        Assert.Equal("Please bring the roadmap", e.Texts[MeetingEvent.Fields.Answers]);
        Assert.Equal(("Harriet Host", "host@acme.example"), (e.Organizer!.Name, e.Organizer.Email));
        Assert.Equal(("Jane Doe", "customer.example"), (e.Attendees[0].Name, e.Attendees[0].Domain));
        Assert.Equal("Europe/Berlin", e.TimeZone);
        Assert.Equal(Created, parsed.OccurredAt);
    }

    [Fact]
    public void Calendly_CanceledForReschedule_AndTheNewInvitee_PointAtTheOldKey()
    {
        var canceled = CalendlyEvents.Parse(WebhookPayloads.CalendlyCanceled("OLD", Start, Created, newInvitee: "NEW")).Event!;
        var created = CalendlyEvents.Parse(WebhookPayloads.CalendlyRescheduledCreated("NEW", "OLD", Start.AddHours(2), Created)).Event!;

        Assert.Equal((MeetingEventKind.Cancelled, true), (canceled.Kind, canceled.CancelledForReschedule));
        Assert.Equal(MeetingEventKind.Rescheduled, created.Kind);
        Assert.Equal(canceled.Key, created.PreviousKey);
        Assert.NotEqual(canceled.Key, created.Key);
    }

    [Fact]
    public void Calendly_PlainCancel_IsNotForAReschedule()
        => Assert.False(CalendlyEvents.Parse(WebhookPayloads.CalendlyCanceled("INV1", Start, Created)).Event!.CancelledForReschedule);

    [Fact]
    public void Calendly_OtherEvent_IsIgnored()
        => Assert.Contains("routing_form_submission.created", CalendlyEvents.Parse("""{"event":"routing_form_submission.created","payload":{}}"""u8.ToArray()).Ignored, StringComparison.Ordinal);

    [Theory]
    [InlineData("BOOKING_CREATED", MeetingEventKind.Scheduled)]
    [InlineData("BOOKING_CANCELLED", MeetingEventKind.Cancelled)]
    public void CalCom_Booking_IsKeyedByItsUid(string trigger, MeetingEventKind kind)
    {
        var parsed = CalComEvents.Parse(WebhookPayloads.CalCom(trigger, "bFJeNb2uX8ANpT3JL5EfXw", Start, Created));

        var e = parsed.Event!;
        Assert.Equal(kind, e.Kind);
        Assert.Equal("calcom:bFJeNb2uX8ANpT3JL5EfXw", e.Key);
        Assert.Equal("30min", e.EventType);
        Assert.Contains("wxyz-1234-abcd", e.Texts[MeetingEvent.Fields.JoinUrl], StringComparison.Ordinal);
        Assert.Equal("pro@acme.example", e.Organizer!.Email);
        Assert.Equal("john.doe@customer.example", Assert.Single(e.Attendees).Email);
        Assert.Equal(Created, parsed.OccurredAt);
    }

    [Fact]
    public void CalCom_Rescheduled_NamesTheOldBooking()
    {
        var e = CalComEvents.Parse(WebhookPayloads.CalCom("BOOKING_RESCHEDULED", "newUid", Start, Created, rescheduleUid: "oldUid")).Event!;

        Assert.Equal((MeetingEventKind.Rescheduled, "calcom:newUid", "calcom:oldUid"), (e.Kind, e.Key, e.PreviousKey));
    }

    [Theory]
    [InlineData("""{"triggerEvent":"MEETING_ENDED","payload":{}}""")]
    [InlineData("""{"triggerEvent":"PING","payload":{}}""")]
    public void CalCom_OtherTriggers_AreIgnored(string json)
        => Assert.NotNull(CalComEvents.Parse(System.Text.Encoding.UTF8.GetBytes(json)).Ignored);

    [Fact]
    public void CalCom_BookingWithoutUid_IsInvalid()
        => Assert.True(CalComEvents.Parse("""{"triggerEvent":"BOOKING_CREATED","payload":{"startTime":"2026-12-01T09:00:00Z"}}"""u8.ToArray()).Errors!.Has("payload.uid"));

    [Theory]
    [InlineData("meeting.scheduled", MeetingEventKind.Scheduled)]
    [InlineData("meeting.rescheduled", MeetingEventKind.Scheduled)]
    [InlineData("meeting.cancelled", MeetingEventKind.Cancelled)]
    public void Standard_MeetingEvent_IsKeyedByTheMeetingsId(string type, MeetingEventKind kind)
    {
        var parsed = StandardMeetingEvents.Parse(WebhookPayloads.Standard(type, "mtg-42", Start), Created);

        var e = parsed.Event!;
        Assert.Equal((kind, "standard:mtg-42"), (e.Kind, e.Key));
        Assert.Equal(2, e.Attendees.Count);
        Assert.Equal("olga@acme.example", e.Organizer!.Email);
        Assert.Equal(Created, parsed.OccurredAt);
    }

    [Theory]
    [InlineData("""{"type":"meeting.exploded","meeting":{"id":"1"}}""", "type")]
    [InlineData("""{"type":"meeting.scheduled","meeting":{}}""", "meeting.id")]
    [InlineData("""{"type":"meeting.scheduled","meeting":{"id":"1"}}""", "meeting.startTime")]
    [InlineData("not json", "body")]
    public void Standard_Malformed_NamesTheField(string json, string field)
        => Assert.True(StandardMeetingEvents.Parse(System.Text.Encoding.UTF8.GetBytes(json), Created).Errors!.Has(field));
}
