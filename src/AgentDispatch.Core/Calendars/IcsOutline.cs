using System.Text;

namespace AgentDispatch.Calendars;

/// <summary>
/// The component structure of an iCalendar text, read line by line without interpreting values.
/// Ical.Net cannot say whether a VEVENT had a UID (it invents a random one when it is missing, which would
/// give the event a new job key on every poll), and it rejects a whole file for one bad RRULE; this
/// outline answers the first and lets the parser re-read the file one VEVENT at a time for the second.
/// </summary>
internal sealed class IcsOutline
{
    private IcsOutline(string? error, IReadOnlyList<Block> events)
    {
        Error = error;
        Events = events;
    }

    /// <summary>Why the text is not a complete iCalendar file, or null. A truncated file is never read in part.</summary>
    public string? Error { get; }

    /// <summary>The VEVENTs directly inside a VCALENDAR, in file order (the order Ical.Net lists them in).</summary>
    public IReadOnlyList<Block> Events { get; }

    /// <param name="Text">The VEVENT's lines as they were (folded), BEGIN to END.</param>
    /// <param name="Uid">The UID property's raw value, or null when the VEVENT has none.</param>
    /// <param name="HasRecurrenceId">Whether it overrides one occurrence of a series.</param>
    public sealed record Block(string Text, string? Uid, bool HasRecurrenceId);

    public static IcsOutline Read(string text)
    {
        var events = new List<Block>();
        var stack = new Stack<string>();
        StringBuilder? current = null;
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

            current?.Append(raw).Append("\r\n");
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
                    current = new StringBuilder().Append(raw).Append("\r\n");
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
                    events.Add(new Block(current.ToString(), uid, hasRecurrenceId));
                    current = null;
                }
            }
            else if (current is not null && stack.Count == 2)
            {
                // Only the VEVENT's own properties: a VALARM inside it has no UID of the event.
                if (name.Equals("UID", StringComparison.OrdinalIgnoreCase))
                {
                    uid = ValueOf(line).Trim();
                }
                else if (name.Equals("RECURRENCE-ID", StringComparison.OrdinalIgnoreCase))
                {
                    hasRecurrenceId = true;
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
