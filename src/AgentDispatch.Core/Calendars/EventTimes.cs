using System.Globalization;
using AgentDispatch.Events;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;

namespace AgentDispatch.Calendars;

/// <summary>
/// An event's times: DTSTART checked (all-day, floating, UTC or a TZID), TZIDs resolved, and the
/// conversions to UTC that keep floating times from being read in the machine's zone.
/// </summary>
internal static class EventTimes
{
    /// <summary>Checks what must hold before an event's times can be used; null (with a problem noted) when they cannot.</summary>
    public static CheckedEvent? Check(string uid, CalendarEvent evt, FeedReading reading, out bool allDay)
    {
        allDay = false;
        var start = evt.DtStart;
        if (start is null)
        {
            reading.Unread(uid, $"{FeedReading.Label(evt, uid)} has no valid DTSTART: skipped, its meetings are left as they are.");
            return null;
        }

        if (!start.HasTime || evt.IsAllDay)
        {
            allDay = true;
            return null;
        }

        if (start.IsFloating)
        {
            return new CheckedEvent(evt, null, Floating: true);
        }

        if (start.IsUtc)
        {
            return new CheckedEvent(evt, null, Floating: false);
        }

        var zone = ResolveZone(start.TzId);
        if (zone is null)
        {
            // Ical.Net 5 resolves a TZID by name (IANA, Windows, common variants) and does not read VTIMEZONE rules.
            // The TZID is the feed's own text, of any length: quoted cut, as the summary is.
            reading.Unread(uid, $"{FeedReading.Label(evt, uid)} uses TZID '{EventLimits.Cut(start.TzId, FeedReading.MaxQuotedLength)}', which is not a known IANA or Windows time zone: skipped, its meetings are left as they are.");
            return null;
        }

        return new CheckedEvent(evt, zone, Floating: false);
    }

    /// <summary>
    /// The IANA id Ical.Net reads a TZID as, or null when it knows none. Asked of Ical.Net's own resolver rather
    /// than <see cref="Time.TimeZoneLookup"/>: Ical.Net converts the times with it, so only its answer can be trusted.
    /// </summary>
    public static string? ResolveZone(string? tzId)
    {
        if (string.IsNullOrWhiteSpace(tzId))
        {
            return null;
        }

        try
        {
            return TimeZoneResolvers.TimeZoneResolver(tzId)?.Id;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// The query time in the series' own terms: floating starts are compared as wall-clock times, and the
    /// window's UTC wall clock is what they are read as.
    /// </summary>
    public static CalDateTime QueryTime(DateTimeOffset utc, bool floating)
        => floating
            ? new CalDateTime(DateTime.SpecifyKind(utc.UtcDateTime, DateTimeKind.Unspecified), (string?)null)
            : new CalDateTime(utc.UtcDateTime, CalDateTime.UtcTzId);

    public static DateTime ToUtc(CalDateTime time, CalDateTime? zoneOf = null)
    {
        if (!time.IsFloating)
        {
            return DateTime.SpecifyKind(time.AsUtc, DateTimeKind.Utc);
        }

        // Ical.Net would read a floating time in the machine's local zone; these are read as UTC instead,
        // or in the series' zone for a floating RECURRENCE-ID or EXDATE of a zoned series.
        if (zoneOf is { IsFloating: false, IsUtc: false, TzId: { } tzId } && ResolveZone(tzId) is not null)
        {
            return new CalDateTime(DateTime.SpecifyKind(time.Value, DateTimeKind.Unspecified), tzId, time.HasTime).AsUtc;
        }

        return DateTime.SpecifyKind(time.Value, DateTimeKind.Utc);
    }

    /// <summary>The end when the event gives one (DTEND or DURATION); none otherwise, rather than a zero-length meeting.</summary>
    public static DateTime? EndOf(CalendarEvent evt, Occurrence occurrence)
        => evt.DtEnd is null && evt.Duration is null ? null
            : occurrence.Period.EffectiveEndTime is { } end ? ToUtc(end) : null;

    /// <summary>A slot's start as it appears in keys: UTC, round-trip format.</summary>
    public static string Identity(DateTime slotUtc)
        => DateTime.SpecifyKind(slotUtc, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture);
}
