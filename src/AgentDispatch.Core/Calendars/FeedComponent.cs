using Ical.Net.CalendarComponents;

namespace AgentDispatch.Calendars;

/// <summary>One VEVENT of the feed: loaded, or the reason it could not be.</summary>
internal sealed record FeedComponent(int Number, string Uid, bool IsOverride, CalendarEvent? Event, string? LoadError);
