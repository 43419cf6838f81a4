using Ical.Net.CalendarComponents;

namespace AgentDispatch.Calendars;

/// <summary>An event whose own start and time zone were checked before anything is expanded.</summary>
/// <param name="TimeZone">The IANA id of its TZID; null for UTC and floating times.</param>
/// <param name="Floating">Whether its times have neither TZID nor Z (they are read as UTC).</param>
internal sealed record CheckedEvent(CalendarEvent Event, string? TimeZone, bool Floating);
