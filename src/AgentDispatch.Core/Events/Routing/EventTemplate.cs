using System.Globalization;
using System.Text.RegularExpressions;
using AgentDispatch.Jobs;
using AgentDispatch.Time;

namespace AgentDispatch.Events.Routing;

/// <summary>
/// <c>{{name}}</c> placeholders over a fixed set of event fields. Small and closed on purpose: a
/// template engine would let configuration reach arbitrary members; here an unknown name stops
/// start-up and a value is always plain text.
/// </summary>
public sealed partial class EventTemplate
{
    /// <summary>Every name a template may use.</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        "meeting.id", "meeting.title", "meeting.startTime", "meeting.endTime", "meeting.localStartTime", "meeting.timeZone",
        "meeting.joinUrl", "meeting.location", "event.source", "event.type",
        "organizer.name", "organizer.email", "attendee.name", "attendee.email", "attendees.names", "attendees.count",
    ];

    private readonly string _template;

    private EventTemplate(string template) => _template = template;

    /// <summary>Parses <paramref name="template"/>; throws naming the unknown placeholders.</summary>
    public static EventTemplate Parse(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var unknown = Placeholder().Matches(template).Select(m => m.Groups["name"].Value).Where(n => !Names.Contains(n)).Distinct().ToList();
        if (unknown.Count > 0)
        {
            throw new FormatException($"unknown placeholder{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(u => "{{" + u + "}}"))}; known: {string.Join(", ", Names.Select(n => "{{" + n + "}}"))}");
        }

        return new EventTemplate(template);
    }

    /// <summary>The template filled in for the event, cut to <paramref name="maxLength"/> characters (with an ellipsis).</summary>
    public string Render(MeetingEvent meetingEvent, string meetingId, int maxLength = EventLimits.MaxVariableLength)
    {
        ArgumentNullException.ThrowIfNull(meetingEvent);
        return EventLimits.Cut(Placeholder().Replace(_template, match => Value(match.Groups["name"].Value, meetingEvent, meetingId) ?? string.Empty), maxLength)!;
    }

    private static string? Value(string name, MeetingEvent e, string meetingId)
    {
        var attendee = e.Attendees.Count > 0 ? e.Attendees[0] : null;
        return name switch
        {
            "meeting.id" => meetingId,
            "meeting.title" => e.Title,
            "meeting.startTime" => e.Start?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            "meeting.endTime" => e.End?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            "meeting.localStartTime" => LocalStart(e),
            "meeting.timeZone" => e.TimeZone,
            "meeting.joinUrl" => e.Texts.GetValueOrDefault(MeetingEvent.Fields.JoinUrl),
            "meeting.location" => e.Texts.GetValueOrDefault(MeetingEvent.Fields.Location),
            "event.source" => e.Source,
            "event.type" => e.EventType,
            "organizer.name" => e.Organizer?.Name,
            "organizer.email" => e.Organizer?.Email,
            "attendee.name" => attendee?.Name,
            "attendee.email" => attendee?.Email,
            "attendees.names" => string.Join(", ", e.Attendees.Select(a => a.Name ?? a.Email).Where(n => !string.IsNullOrEmpty(n))),
            "attendees.count" => e.Attendees.Count.ToString(CultureInfo.InvariantCulture),
            _ => null,
        };
    }

    /// <summary>The start in the meeting's own time zone (<c>2026-12-01 09:00</c>), or UTC when it has none.</summary>
    private static string? LocalStart(MeetingEvent e)
    {
        if (e.Start is not { } start)
        {
            return null;
        }

        // The wall clock as the UTC instant shifted by the zone's offset: TimeZoneInfo.ConvertTime throws where the
        // shift leaves the calendar (9999-12-31T23:00Z in UTC+14), and then the start is written in UTC instead.
        var zone = e.TimeZone is { } id ? TimeZoneLookup.Find(id) : TimeZoneInfo.Utc;
        var local = zone is null ? start : Instants.Plus(start, zone.GetUtcOffset(start)) ?? start;
        return local.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"\{\{\s*(?<name>[A-Za-z.]+)\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
