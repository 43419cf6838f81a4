using System.Text;

namespace AgentDispatch.Calendars;

/// <summary>
/// The component structure of an iCalendar text, read line by line without interpreting values.
/// Ical.Net cannot say whether a VEVENT had a UID (it invents a random one when it is missing, which would
/// give the event a new job key on every poll), and it rejects a whole file for one bad RRULE; this
/// outline answers the first and lets <see cref="IcsLoader"/> re-read the file one VEVENT at a time for the second.
/// </summary>
/// <remarks>
/// Each VEVENT keeps only the properties the calendar code reads: those that decide when and whether an
/// occurrence happens (<see cref="TimingProperties"/>) and those a meeting event is made of
/// (<see cref="MeetingProperties"/>). Everything else is left out before Ical.Net sees it: CREATED,
/// LAST-MODIFIED, DTSTAMP, X- properties, ATTACH, VALARM and any other nested component. None of them is
/// read, and Ical.Net rejects the whole VEVENT for one of them it cannot parse (Google exports carry
/// <c>CREATED:00001231T000000Z</c>), which would lose every occurrence of the series.
/// </remarks>
internal sealed class IcsOutline
{
    /// <summary>What decides when and whether an occurrence happens; a bad one still makes its series unread.</summary>
    public static readonly IReadOnlySet<string> TimingProperties = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "UID", "DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "EXRULE", "RECURRENCE-ID", "STATUS", "SEQUENCE",
    };

    /// <summary>What a meeting event is made of; one Ical.Net cannot read is left out and said so, its occurrences kept.</summary>
    public static readonly IReadOnlySet<string> MeetingProperties = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "SUMMARY", "LOCATION", "URL", "DESCRIPTION", "ORGANIZER", "ATTENDEE",
    };

    private IcsOutline(string? error, IReadOnlyList<Block> events)
    {
        Error = error;
        Events = events;
    }

    /// <summary>Why the text is not a complete iCalendar file, or null. A truncated file is never read in part.</summary>
    public string? Error { get; }

    /// <summary>The VEVENTs directly inside a VCALENDAR, in file order (the order Ical.Net lists them in).</summary>
    public IReadOnlyList<Block> Events { get; }

    /// <param name="Properties">The VEVENT's own properties that are read, in file order.</param>
    /// <param name="Uid">The UID property's raw value, or null when the VEVENT has none.</param>
    /// <param name="HasRecurrenceId">Whether it overrides one occurrence of a series.</param>
    public sealed record Block(IReadOnlyList<Property> Properties, string? Uid, bool HasRecurrenceId)
    {
        /// <summary>The VEVENT as Ical.Net is given it: BEGIN, the properties read, END.</summary>
        public string Text => TextWithout([]);

        public string TextWithout(IReadOnlyCollection<Property> leftOut)
        {
            var text = new StringBuilder("BEGIN:VEVENT\r\n");
            foreach (var property in Properties.Where(p => !leftOut.Contains(p)))
            {
                text.Append(property.Raw).Append("\r\n");
            }

            return text.Append("END:VEVENT\r\n").ToString();
        }
    }

    /// <param name="Name">The property name in upper case (<c>ORGANIZER</c>).</param>
    /// <param name="Raw">Its lines as they were (folded).</param>
    public sealed record Property(string Name, string Raw)
    {
        public bool DecidesTiming => TimingProperties.Contains(Name);
    }

    public static IcsOutline Read(string text)
    {
        var events = new List<Block>();
        var stack = new Stack<string>();
        List<Property>? current = null;
        string? uid = null;
        var hasRecurrenceId = false;
        var sawCalendar = false;

        foreach (var (line, raw) in LogicalLines(text))
        {
            var name = NameOf(line);
            if (!sawCalendar)
            {
                if (!name.Equals("BEGIN", StringComparison.OrdinalIgnoreCase) || !ValueOf(line).Trim().Equals("VCALENDAR", StringComparison.OrdinalIgnoreCase))
                {
                    return new IcsOutline("it does not start with BEGIN:VCALENDAR", []);
                }

                sawCalendar = true;
            }

            if (name.Equals("BEGIN", StringComparison.OrdinalIgnoreCase))
            {
                var component = ValueOf(line).Trim().ToUpperInvariant();
                if (stack.Count == 0 && component != "VCALENDAR")
                {
                    return new IcsOutline($"BEGIN:{component} is outside any VCALENDAR", []);
                }

                stack.Push(component);
                if (component == "VEVENT" && stack.Count == 2)
                {
                    current = [];
                    uid = null;
                    hasRecurrenceId = false;
                }
            }
            else if (name.Equals("END", StringComparison.OrdinalIgnoreCase))
            {
                var component = ValueOf(line).Trim().ToUpperInvariant();
                if (stack.Count == 0 || stack.Peek() != component)
                {
                    return new IcsOutline($"END:{component} does not close the open component", []);
                }

                stack.Pop();
                if (component == "VEVENT" && stack.Count == 1 && current is not null)
                {
                    events.Add(new Block(current, uid, hasRecurrenceId));
                    current = null;
                }
            }
            else if (current is not null && stack.Count == 2)
            {
                // Only the VEVENT's own properties: a VALARM inside it has no UID of the event, and is left out.
                var property = name.ToUpperInvariant();
                if (property == "UID")
                {
                    uid = ValueOf(line).Trim();
                }
                else if (property == "RECURRENCE-ID")
                {
                    hasRecurrenceId = true;
                }

                if (TimingProperties.Contains(property) || MeetingProperties.Contains(property))
                {
                    current.Add(new Property(property, raw));
                }
            }
        }

        if (!sawCalendar)
        {
            return new IcsOutline("it is empty", []);
        }

        return stack.Count > 0
            ? new IcsOutline($"it ends inside {stack.Peek()} (is it cut short?)", [])
            : new IcsOutline(null, events);
    }

    /// <summary>Unfolds RFC 5545 content lines (a line starting with a space or tab continues the one before).</summary>
    private static IEnumerable<(string Line, string Raw)> LogicalLines(string text)
    {
        var logical = new StringBuilder();
        var raw = new StringBuilder();
        foreach (var physical in text.Split('\n'))
        {
            var line = physical.TrimEnd('\r');
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t') && raw.Length > 0)
            {
                logical.Append(line, 1, line.Length - 1);
                raw.Append("\r\n").Append(line);
                continue;
            }

            if (logical.Length > 0)
            {
                yield return (logical.ToString(), raw.ToString());
            }

            logical.Clear().Append(line);
            raw.Clear().Append(line);
        }

        if (logical.Length > 0)
        {
            yield return (logical.ToString(), raw.ToString());
        }
    }

    private static string NameOf(string line)
    {
        var end = line.IndexOfAny([';', ':']);
        return (end < 0 ? line : line[..end]).Trim();
    }

    /// <summary>The text after the first colon that is not inside a quoted parameter value.</summary>
    private static string ValueOf(string line)
    {
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '"')
            {
                quoted = !quoted;
            }
            else if (line[i] == ':' && !quoted)
            {
                return line[(i + 1)..];
            }
        }

        return "";
    }
}
