using AgentDispatch.Calendars;

namespace AgentDispatch.Core.Tests.Calendars;

public sealed class IcsOutlineTests
{
    private const string GoogleEvent =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:Team\r\n"
        + "BEGIN:VEVENT\r\n"
        + "DTSTART;TZID=Europe/Berlin:20260223T100000\r\n"
        + "RRULE:FREQ=WEEKLY;BYDAY=MO\r\n"
        + "DTSTAMP:20260309T120000Z\r\n"
        + "UID:weekly@google.com\r\n"
        + "ATTENDEE;CN=Anna K\r\n lein:mailto:anna@example.com\r\n"
        + "CREATED:00001231T000000Z\r\n"
        + "X-GOOGLE-CONFERENCE:https://meet.google.com/abc-defg-hij\r\n"
        + "ATTACH:https://files.example.com/agenda.pdf\r\n"
        + "summary:Weekly planning\r\n"
        + "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\nTRIGGER;VALUE=DATE-TIME:00001231T000000Z\r\nEND:VALARM\r\n"
        + "STATUS:CONFIRMED\r\n"
        + "END:VEVENT\r\n"
        + "END:VCALENDAR\r\n";

    [Fact]
    public void Read_KeepsOnlyTheTimingAndMeetingProperties_InFileOrderAndAsWritten()
    {
        var block = Assert.Single(IcsOutline.Read(GoogleEvent).Events);

        Assert.Equal(
            "BEGIN:VEVENT\r\n"
            + "DTSTART;TZID=Europe/Berlin:20260223T100000\r\n"
            + "RRULE:FREQ=WEEKLY;BYDAY=MO\r\n"
            + "UID:weekly@google.com\r\n"
            + "ATTENDEE;CN=Anna K\r\n lein:mailto:anna@example.com\r\n"
            + "summary:Weekly planning\r\n"
            + "STATUS:CONFIRMED\r\n"
            + "END:VEVENT\r\n",
            block.Text);
        Assert.Equal("weekly@google.com", block.Uid);
        Assert.False(block.HasRecurrenceId);
    }

    [Fact]
    public void Read_TellsTimingPropertiesFromMeetingProperties()
    {
        var block = Assert.Single(IcsOutline.Read(GoogleEvent).Events);

        Assert.Equal(
            [("DTSTART", true), ("RRULE", true), ("UID", true), ("ATTENDEE", false), ("SUMMARY", false), ("STATUS", true)],
            block.Properties.Select(p => (p.Name, p.DecidesTiming)));
    }

    [Fact]
    public void TextWithout_LeavesOutTheGivenProperties()
    {
        var block = Assert.Single(IcsOutline.Read(GoogleEvent).Events);

        var text = block.TextWithout([.. block.Properties.Where(p => p.Name == "ATTENDEE")]);

        Assert.DoesNotContain("ATTENDEE", text, StringComparison.Ordinal);
        Assert.Contains("summary:Weekly planning\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UidAndRecurrenceIdOfAnAlarm_AreNotTheEvents()
    {
        var text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260310T100000Z\r\n"
            + "BEGIN:VALARM\r\nUID:alarm-1\r\nRECURRENCE-ID:20260310T100000Z\r\nEND:VALARM\r\n"
            + "END:VEVENT\r\nEND:VCALENDAR\r\n";

        var block = Assert.Single(IcsOutline.Read(text).Events);

        Assert.Null(block.Uid);
        Assert.False(block.HasRecurrenceId);
        Assert.Equal("BEGIN:VEVENT\r\nDTSTART:20260310T100000Z\r\nEND:VEVENT\r\n", block.Text);
    }
}
