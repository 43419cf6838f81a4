using AgentDispatch.Events;
using Ical.Net.CalendarComponents;
using Ical.Net.Evaluation;

namespace AgentDispatch.Calendars;

/// <summary>
/// Loads a feed's VEVENTs with Ical.Net, paired with the <see cref="IcsOutline"/> that found them and with only
/// the properties it kept: all VEVENTs at once when it can, one at a time when one bad property makes Ical.Net
/// reject them all.
/// </summary>
internal static class IcsLoader
{
    private const string Wrapper = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//AgentDispatch//calendar feed//EN\r\n";

    private const string End = "END:VCALENDAR\r\n";

    public static List<FeedComponent> Load(string feedName, string icsText, FeedReading reading)
    {
        // A byte order mark that survived decoding makes Ical.Net reject the first line.
        var text = icsText.TrimStart('\uFEFF');
        var outline = IcsOutline.Read(text);
        if (outline.Error is not null)
        {
            throw new CalendarFeedException(feedName, $"not a valid iCalendar file ({outline.Error}).", isTransient: false);
        }

        if (outline.Events.Count > CalendarFeedParser.MaxEvents)
        {
            throw new CalendarFeedException(feedName, $"has {outline.Events.Count} events (VEVENTs), more than {CalendarFeedParser.MaxEvents}: it was not read, its meetings are left as they are.", isTransient: false);
        }

        // Ical.Net is given the VEVENTs as the outline kept them: the properties that are read, nothing else.
        IReadOnlyList<CalendarEvent>? events = null;
        try
        {
            events = Ical.Net.Calendar.Load(Wrapper + string.Concat(outline.Events.Select(e => e.Text)) + End)?.Events.ToList();
        }
        catch (Exception ex) when (IsParseFailure(ex))
        {
            // One bad property (an unknown FREQ, say) fails the whole file in Ical.Net: read it event by event below.
        }

        var components = new List<FeedComponent>(outline.Events.Count);
        for (var i = 0; i < outline.Events.Count; i++)
        {
            var block = outline.Events[i];
            var number = i + 1;
            if (string.IsNullOrWhiteSpace(block.Uid))
            {
                reading.Problems.Add($"VEVENT #{number} has no UID, so it could not be followed from one poll to the next: skipped.");
                continue;
            }

            if (block.Uid.Length > EventLimits.MaxIdLength)
            {
                // The UID is part of every job key made from the event: cut, it would be another event's.
                reading.Problems.Add($"VEVENT #{number} has a UID of {block.Uid.Length} characters, more than {EventLimits.MaxIdLength}: skipped.");
                continue;
            }

            // Both lists come from the same VEVENTs in the same order; if they ever disagree, trust neither pairing.
            string? error = null;
            var loaded = events is not null && events.Count == outline.Events.Count ? events[i] : LoadOne(block, number, reading, out error);
            if (loaded is not null && block.HasRecurrenceId && loaded.RecurrenceIdentifier is null)
            {
                // Read as the series itself, a bad RECURRENCE-ID would replace the whole series with one occurrence.
                (loaded, error) = (null, "its RECURRENCE-ID is not a valid date-time");
            }

            components.Add(loaded is not null
                ? new FeedComponent(number, loaded.Uid ?? block.Uid, loaded.RecurrenceIdentifier is not null, loaded, null)
                : new FeedComponent(number, block.Uid, block.HasRecurrenceId, null, error ?? "unreadable"));
        }

        return components;
    }

    /// <summary>The exceptions Ical.Net throws for text it cannot read or a rule it cannot evaluate.</summary>
    public static bool IsParseFailure(Exception ex)
        => ex is System.Runtime.Serialization.SerializationException or ArgumentException or FormatException
            or InvalidOperationException or OverflowException or NotSupportedException or EvaluationException;

    /// <summary>
    /// One VEVENT on its own. When Ical.Net rejects it, the meeting properties (SUMMARY, ORGANIZER, ...) it cannot
    /// read are left out and said so: they do not decide when or whether it happens. If it is still rejected, a
    /// timing property is at fault and the VEVENT stays unread.
    /// </summary>
    private static CalendarEvent? LoadOne(IcsOutline.Block block, int number, FeedReading reading, out string? error)
    {
        var loaded = TryLoad(block.Text, out error);
        if (loaded is not null)
        {
            return loaded;
        }

        var unreadable = new List<(IcsOutline.Property Property, string? Error)>();
        foreach (var property in block.Properties.Where(p => !p.DecidesTiming))
        {
            if (TryLoad(Probe(property), out var propertyError) is null)
            {
                unreadable.Add((property, propertyError));
            }
        }

        if (unreadable.Count == 0 || TryLoad(block.TextWithout([.. unreadable.Select(u => u.Property)]), out _) is not { } withoutThem)
        {
            return null;
        }

        foreach (var (property, propertyError) in unreadable)
        {
            reading.Problems.Add($"VEVENT #{number} ({FeedReading.Label(withoutThem, block.Uid!)}) has a {property.Name} that could not be read ({propertyError}): left out, its occurrences are read without it.");
        }

        error = null;
        return withoutThem;
    }

    /// <summary>A VEVENT with nothing but <paramref name="property"/> and what Ical.Net needs around it.</summary>
    private static string Probe(IcsOutline.Property property)
        => "BEGIN:VEVENT\r\nUID:probe\r\nDTSTART:20000101T000000Z\r\n" + property.Raw + "\r\nEND:VEVENT\r\n";

    private static CalendarEvent? TryLoad(string veventText, out string? error)
    {
        try
        {
            var events = Ical.Net.Calendar.Load(Wrapper + veventText + End)?.Events;
            error = events is { Count: 1 } ? null : "unreadable";
            return events is { Count: 1 } ? events[0] : null;
        }
        catch (Exception ex) when (IsParseFailure(ex))
        {
            error = ex.Message;
            return null;
        }
    }
}
