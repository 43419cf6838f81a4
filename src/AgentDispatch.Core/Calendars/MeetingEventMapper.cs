using AgentDispatch.Events;
using AgentDispatch.Jobs;
using Ical.Net;
using Ical.Net.CalendarComponents;

namespace AgentDispatch.Calendars;

/// <summary>One occurrence as a <see cref="MeetingEvent"/>: its key, kind, times and the texts a meeting id is found in.</summary>
internal static class MeetingEventMapper
{
    /// <param name="source">The component the occurrence comes from: the series, or its override.</param>
    /// <param name="master">The series, for the fields an override leaves out.</param>
    public static MeetingEvent ToMeetingEvent(
        FeedReading reading, string uid, string identity, CheckedEvent source, CalendarEvent? master, DateTime start, DateTime? end)
    {
        var evt = source.Event;
        var series = master ?? evt;
        if (source.Floating && reading.FloatingReported.Add(uid))
        {
            reading.Problems.Add($"{FeedReading.Label(evt, uid)} has a floating time (no TZID and no Z): read as UTC.");
        }

        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        AddText(texts, MeetingEvent.Fields.Location, evt.Location, series.Location);
        AddText(texts, MeetingEvent.Fields.JoinUrl, evt.Url?.OriginalString, series.Url?.OriginalString);
        AddText(texts, MeetingEvent.Fields.Description, evt.Description, series.Description);

        var attendees = (evt.Attendees.Count > 0 ? evt.Attendees : series.Attendees)
            .Select(a => PersonOf(a.CommonName, a.Value))
            .OfType<Person>()
            .Take(EventLimits.MaxAttendees)
            .ToList();

        return new MeetingEvent
        {
            Source = JobSources.Calendar,
            // A whole cancelled series cancels every occurrence, even one whose override still says otherwise.
            Kind = IsCancelled(evt) || IsCancelled(master) ? MeetingEventKind.Cancelled : MeetingEventKind.Scheduled,
            Key = $"{JobSources.Calendar}:{reading.Feed}\n{uid}\n{identity}",
            EventType = reading.Feed,
            Title = NonEmpty(evt.Summary) ?? NonEmpty(series.Summary),
            Start = new DateTimeOffset(start, TimeSpan.Zero),
            End = end is { } e ? new DateTimeOffset(e, TimeSpan.Zero) : null,
            TimeZone = source.TimeZone,
            Texts = texts,
            Organizer = PersonOf(evt.Organizer?.CommonName, evt.Organizer?.Value) ?? PersonOf(series.Organizer?.CommonName, series.Organizer?.Value),
            Attendees = attendees,
            Origin = $"{JobSources.Calendar}:{reading.Feed}",
        };
    }

    public static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static bool IsCancelled(CalendarEvent? evt)
        => string.Equals(evt?.Status, EventStatus.Cancelled, StringComparison.OrdinalIgnoreCase);

    private static void AddText(Dictionary<string, string> texts, string field, string? value, string? seriesValue)
    {
        if ((NonEmpty(value) ?? NonEmpty(seriesValue)) is { } text)
        {
            texts[field] = text;
        }
    }

    /// <summary>A CAL-ADDRESS as a person: the e-mail from a mailto: URI, the name from CN.</summary>
    private static Person? PersonOf(string? commonName, Uri? address)
    {
        string? email = null;
        if (address?.OriginalString is { } value && value.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
        {
            email = NonEmpty(Uri.UnescapeDataString(value["mailto:".Length..]));
        }

        var name = NonEmpty(commonName);
        return name is null && email is null ? null : new Person(name, email);
    }
}
