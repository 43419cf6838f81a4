using System.Diagnostics.CodeAnalysis;

namespace AgentDispatch.Time;

/// <summary>
/// Finds a time zone by IANA id (<c>Europe/Berlin</c>) or Windows id (<c>W. Europe Standard Time</c>),
/// whichever form this machine's time zone data uses. The one lookup for settings and templates.
/// </summary>
/// <remarks>
/// Calendar feeds do not use it for their TZIDs: Ical.Net converts those times itself with its own
/// NodaTime resolver, so the calendar code asks that resolver, which is the one whose answer counts.
/// </remarks>
public static class TimeZoneLookup
{
    /// <summary>The zone with this id, or null when this machine knows none by that name.</summary>
    public static TimeZoneInfo? Find(string id) => TryFind(id, out var zone, out _) ? zone : null;

    /// <summary>The zone with this id; when there is none, <paramref name="reason"/> says why in a sentence fit for an error message.</summary>
    public static bool TryFind(string id, [NotNullWhen(true)] out TimeZoneInfo? zone, [NotNullWhen(false)] out string? reason)
    {
        ArgumentNullException.ThrowIfNull(id);
        reason = null;
        if (string.IsNullOrWhiteSpace(id))
        {
            zone = null;
            reason = "no time zone id was given.";
            return false;
        }

        zone = FindSystem(id, ref reason);

        // .NET converts between IANA and Windows ids itself when ICU is available; this covers Windows in NLS mode.
        if (zone is null && TimeZoneInfo.TryConvertIanaIdToWindowsId(id, out var windowsId))
        {
            zone = FindSystem(windowsId, ref reason);
        }

        if (zone is null && TimeZoneInfo.TryConvertWindowsIdToIanaId(id, out var ianaId))
        {
            zone = FindSystem(ianaId, ref reason);
        }

        reason = zone is null ? reason ?? $"'{id}' is neither an IANA nor a Windows time zone id this machine knows." : null;
        return zone is not null;
    }

    private static TimeZoneInfo? FindSystem(string id, ref string? reason)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException)
        {
            return null;
        }
        catch (InvalidTimeZoneException ex)
        {
            // Found but unusable: more to the point than "not known", so it is the reason kept.
            reason = $"'{id}' is a time zone on this machine, but its data cannot be read: {ex.Message}";
            return null;
        }
    }
}
