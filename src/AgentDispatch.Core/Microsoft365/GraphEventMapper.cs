using System.Globalization;
using AgentDispatch.Events;
using AgentDispatch.Jobs;
using Person = AgentDispatch.Events.Person;
using Microsoft.Graph.Models;

namespace AgentDispatch.Microsoft365;

/// <summary>
/// A calendar-view item as a <see cref="MeetingEvent"/>. Each occurrence of a recurring meeting is its
/// own item in the calendar view, with its own id: the key is <c>microsoft365:&lt;mailbox&gt;\n&lt;id&gt;</c>,
/// so an occurrence moved or cancelled on its own changes only its own job.
/// </summary>
internal static class GraphEventMapper
{
    public static string Key(MailboxDefinition mailbox, string eventId) => $"{mailbox.Origin}\n{eventId}";

    /// <summary>True for a delta item that says the event left the view (deleted, or moved out of the window).</summary>
    public static bool IsRemoved(Event item) => item.AdditionalData?.ContainsKey("@removed") == true;

    public static MeetingEvent ToMeetingEvent(MailboxDefinition mailbox, Event item)
    {
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        Add(texts, MeetingEvent.Fields.JoinUrl, item.OnlineMeeting?.JoinUrl ?? item.OnlineMeetingUrl);
        Add(texts, MeetingEvent.Fields.Location, Join(item.Location?.DisplayName, item.Location?.LocationUri, item.Locations?.Select(l => l.DisplayName)));
        Add(texts, MeetingEvent.Fields.Description, item.Body?.Content ?? item.BodyPreview);

        return new MeetingEvent
        {
            Source = JobSources.Microsoft365,
            Kind = item.IsCancelled == true ? MeetingEventKind.Cancelled : MeetingEventKind.Scheduled,
            Key = Key(mailbox, item.Id!),
            EventType = mailbox.Name,
            Title = NonEmpty(item.Subject),
            Start = Instant(item.Start),
            End = Instant(item.End),
            TimeZone = NonEmpty(item.OriginalStartTimeZone) is { } zone && TimeZoneInfo.TryFindSystemTimeZoneById(zone, out var tz) ? tz.Id : null,
            Texts = texts,
            Organizer = PersonOf(item.Organizer?.EmailAddress),
            Attendees = (item.Attendees ?? []).Select(a => PersonOf(a.EmailAddress)).OfType<Person>().Take(EventLimits.MaxAttendees).ToList(),
            Origin = mailbox.Origin,
            DefaultAgentId = mailbox.AgentId,
        };
    }

    /// <summary>
    /// Graph's <c>dateTimeTimeZone</c>: a local date-time and the zone it is in. The app asks for UTC
    /// (<c>Prefer: outlook.timezone="UTC"</c>); another zone is converted when this machine knows it.
    /// </summary>
    internal static DateTimeOffset? Instant(DateTimeTimeZone? value)
    {
        if (value?.DateTime is not { Length: > 0 } text
            || !DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var local))
        {
            return null;
        }

        var zone = value.TimeZone;
        if (string.IsNullOrWhiteSpace(zone) || zone.Equals("UTC", StringComparison.OrdinalIgnoreCase) || zone.Equals("tzone://Microsoft/Utc", StringComparison.OrdinalIgnoreCase))
        {
            return new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Utc));
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone, out var tz))
        {
            return null;
        }

        // The wall clock read as UTC, less the zone's offset. new DateTimeOffset(local, offset) would throw where
        // that leaves the calendar (9999-12-31T23:00 in Hawaii): such a time reads as none, like an unreadable one.
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        return Instants.Plus(new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Utc)), -tz.GetUtcOffset(unspecified));
    }

    private static string? Join(string? first, string? second, IEnumerable<string?>? more)
    {
        var parts = new[] { first, second }.Concat(more ?? []).Select(NonEmpty).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        return parts.Count == 0 ? null : string.Join('\n', parts);
    }

    private static void Add(Dictionary<string, string> texts, string field, string? value)
    {
        if (NonEmpty(value) is { } text)
        {
            texts[field] = text;
        }
    }

    private static Person? PersonOf(EmailAddress? address)
    {
        var name = NonEmpty(address?.Name);
        var email = NonEmpty(address?.Address);
        return name is null && email is null ? null : new Person(name, email);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
