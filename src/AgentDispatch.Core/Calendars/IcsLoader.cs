using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.Evaluation;

namespace AgentDispatch.Calendars;

/// <summary>
/// Loads a feed's VEVENTs with Ical.Net, paired with the <see cref="IcsOutline"/> that found them: the whole
/// file at once when it can, one VEVENT at a time when one bad property makes Ical.Net reject the file.
/// </summary>
internal static class IcsLoader
{
    private const string Wrapper = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//AgentDispatch//calendar feed//EN\r\n";

    public static List<FeedComponent> Load(string feedName, string icsText, FeedReading reading)
    {
        // A byte order mark that survived decoding makes Ical.Net reject the first line.
        var text = icsText.TrimStart('\uFEFF');
        var outline = IcsOutline.Read(text);
        if (outline.Error is not null)
        {
            throw new CalendarFeedException(feedName, $"not a valid iCalendar file ({outline.Error}).", isTransient: false);
        }

        IReadOnlyList<CalendarEvent>? events = null;
        try
        {
            events = [.. CalendarCollection.Load(text).SelectMany(calendar => calendar.Events)];
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

            // Both lists come from the same VEVENTs in the same order; if they ever disagree, trust neither pairing.
            string? error = null;
            var loaded = events is not null && events.Count == outline.Events.Count ? events[i] : LoadOne(block.Text, out error);
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

    private static CalendarEvent? LoadOne(string veventText, out string? error)
    {
        try
        {
            var events = Ical.Net.Calendar.Load(Wrapper + veventText + "END:VCALENDAR\r\n")?.Events;
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
