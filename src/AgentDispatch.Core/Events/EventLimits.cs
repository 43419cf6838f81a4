using AgentDispatch.Requests;

namespace AgentDispatch.Events;

/// <summary>
/// How much of a meeting event is read, whatever its source. A signature (or Graph's clientState, or a
/// feed's configured URL) says who sent an event, not that its fields are sane: these limits keep every
/// field to a size the regular expressions, the templates, the ledger's table rows (64 KiB a property)
/// and VideoSDK can take. Ids that key a job are refused when too long (cut, they would name another
/// meeting); free text is cut; lists are read up to their limit. The table in docs/event-sources.md#limits
/// lists them.
/// </summary>
public static class EventLimits
{
    /// <summary>A source's own id for a meeting (invitee URI, booking uid, <c>meeting.id</c>, iCalendar UID) and a given meeting id: as for the API's ids.</summary>
    public const int MaxIdLength = JsonFields.MaxIdLength;

    /// <summary>
    /// A Microsoft 365 event id. Graph makes these itself (base64 of a binary id, about 150 characters today, with
    /// no length promised), so they are not a sender's text: the limit is looser than <see cref="MaxIdLength"/>
    /// and only keeps the job key a sane size.
    /// </summary>
    public const int MaxGraphEventIdLength = 1024;

    /// <summary>Attendees read from one event; the rest are ignored (<c>{{attendees.count}}</c> counts at most this many).</summary>
    public const int MaxAttendees = 1000;

    /// <summary>Booking-form answers read from one event (Calendly <c>questions_and_answers</c>, Cal.com <c>responses</c>).</summary>
    public const int MaxAnswers = 100;

    /// <summary>
    /// Each text a meeting id is looked for in (join URL, location, description, answers) is cut to this many
    /// characters. Generous because an Outlook body is HTML, styles first, with the room link far down; the
    /// default pattern scans this much in about a millisecond, well inside its time limit.
    /// </summary>
    public const int MaxTextLength = 64 * 1024;

    /// <summary>Titles and event type names are cut to this many characters (with an ellipsis).</summary>
    public const int MaxTitleLength = 1024;

    /// <summary>A person's name is cut to this many characters (with an ellipsis).</summary>
    public const int MaxNameLength = 256;

    /// <summary>An e-mail address longer than this (RFC 5321's limit) is no address: read as none, so it matches no domain rule.</summary>
    public const int MaxEmailLength = 254;

    /// <summary>A time zone name longer than this is no zone (IANA and Windows names are under 40): read as none.</summary>
    public const int MaxTimeZoneLength = 64;

    /// <summary>A rendered template variable is cut to this many characters (with an ellipsis).</summary>
    public const int MaxVariableLength = 1024;

    /// <summary>Time for one regular expression on one text (meeting-id patterns per field, routing patterns per field).</summary>
    public static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>Time for all routing patterns together on one event: past it, the event is not routed (as for one pattern timing out).</summary>
    public static readonly TimeSpan RoutingTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>The ellipsis put where text was cut.</summary>
    public const string Ellipsis = "…";

    /// <summary><paramref name="text"/> cut to at most <paramref name="max"/> characters, ending in an ellipsis when cut; never half a surrogate pair.</summary>
    public static string? Cut(string? text, int max)
    {
        if (text is null || text.Length <= max)
        {
            return text;
        }

        var ellipsis = max > Ellipsis.Length ? Ellipsis : "";
        return Prefix(text, Math.Max(0, max - ellipsis.Length)) + ellipsis;
    }

    /// <summary>The first <paramref name="max"/> characters of <paramref name="text"/>, one fewer where the last would be half a surrogate pair.</summary>
    public static string Prefix(string text, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= max)
        {
            return text;
        }

        return text[..(max > 0 && char.IsHighSurrogate(text[max - 1]) ? max - 1 : max)];
    }

    /// <summary>The texts with each value cut to <see cref="MaxTextLength"/>; the same dictionary when none is over.</summary>
    public static IReadOnlyDictionary<string, string> CutTexts(IReadOnlyDictionary<string, string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return texts.Values.All(v => v.Length <= MaxTextLength)
            ? texts
            : texts.ToDictionary(t => t.Key, t => Cut(t.Value, MaxTextLength)!, StringComparer.Ordinal);
    }

    /// <summary>The error for an id over <see cref="MaxIdLength"/>, or null when it is within it.</summary>
    public static string? IdTooLong(string? id, int max = MaxIdLength)
        => id is { } text && text.Length > max ? $"must be at most {max} characters (it has {text.Length})." : null;
}
