using System.Globalization;
using System.Text;

namespace AgentDispatch.Testing.Webhooks;

/// <summary>
/// Webhook deliveries shaped like each provider's documented example payload, with the times, ids and
/// flags a test needs filled in. Files live in Webhooks/Payloads and are copied next to the tests.
/// </summary>
public static class WebhookPayloads
{
    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static byte[] Load(string name, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Webhooks", "Payloads", name + ".json"));
        foreach (var (placeholder, value) in values)
        {
            text = text.Replace($"__{placeholder}__", value, StringComparison.Ordinal);
        }

        if (text.Contains("__", StringComparison.Ordinal) && System.Text.RegularExpressions.Regex.IsMatch(text, "__[A-Z_]+__"))
        {
            throw new InvalidOperationException($"Payload {name} still has placeholders: {System.Text.RegularExpressions.Regex.Match(text, "__[A-Z_]+__").Value}");
        }

        return Encoding.UTF8.GetBytes(text);
    }

    /// <summary>The scheduled event of a first booking; a rescheduled booking gets <see cref="RescheduledEvent"/>.</summary>
    public const string FirstEvent = "GBGBDCAADAEDCRZ2";

    public const string RescheduledEvent = "HCHCEDBBEBFEDSA3";

    /// <summary>The URI Calendly names an invitee by (and the job is keyed by).</summary>
    public static string CalendlyInvitee(string invitee, string @event = FirstEvent) => $"https://api.calendly.com/scheduled_events/{@event}/invitees/{invitee}";

    public static byte[] CalendlyCreated(string invitee, DateTimeOffset start, DateTimeOffset createdAt, TimeSpan? length = null, string @event = FirstEvent)
        => Load("calendly-invitee-created", new Dictionary<string, string>
        {
            ["EVENT"] = @event, ["INVITEE"] = invitee, ["START"] = Iso(start), ["END"] = Iso(start + (length ?? TimeSpan.FromMinutes(30))), ["CREATED"] = Iso(createdAt),
        });

    /// <param name="newEvent">The scheduled event of <paramref name="newInvitee"/> (a reschedule).</param>
    public static byte[] CalendlyCanceled(string invitee, DateTimeOffset start, DateTimeOffset createdAt, string? newInvitee = null, string @event = FirstEvent, string newEvent = RescheduledEvent)
        => Load("calendly-invitee-canceled", new Dictionary<string, string>
        {
            ["EVENT"] = @event, ["INVITEE"] = invitee, ["START"] = Iso(start), ["END"] = Iso(start.AddMinutes(30)), ["CREATED"] = Iso(createdAt),
            ["RESCHEDULED"] = newInvitee is null ? "false" : "true",
            ["NEW_INVITEE"] = newInvitee is null ? "null" : $"\"{CalendlyInvitee(newInvitee, newEvent)}\"",
            ["REASON"] = newInvitee is null ? "Cannot make it" : "Rescheduled",
        });

    public static byte[] CalendlyRescheduledCreated(
        string invitee, string oldInvitee, DateTimeOffset start, DateTimeOffset createdAt, string @event = RescheduledEvent, string oldEvent = FirstEvent)
        => Load("calendly-invitee-created-rescheduled", new Dictionary<string, string>
        {
            ["EVENT"] = @event, ["OLD_EVENT"] = oldEvent, ["INVITEE"] = invitee, ["OLD_INVITEE"] = oldInvitee, ["START"] = Iso(start), ["END"] = Iso(start.AddMinutes(30)), ["CREATED"] = Iso(createdAt),
        });

    public static byte[] CalCom(string trigger, string uid, DateTimeOffset start, DateTimeOffset createdAt, string? rescheduleUid = null)
        => Load("calcom-booking", new Dictionary<string, string>
        {
            ["TRIGGER"] = trigger, ["UID"] = uid, ["START"] = Iso(start), ["END"] = Iso(start.AddMinutes(30)), ["CREATED"] = Iso(createdAt),
            ["RESCHEDULE_UID"] = rescheduleUid is null ? "null" : $"\"{rescheduleUid}\"",
            ["STATUS"] = trigger == "BOOKING_CANCELLED" ? "CANCELLED" : "ACCEPTED",
        });

    /// <param name="timestamp">The optional top-level <c>timestamp</c>: when the sender says the change happened.</param>
    public static byte[] Standard(string type, string id, DateTimeOffset start, DateTimeOffset? timestamp = null)
    {
        var body = Load("standard-meeting", new Dictionary<string, string>
        {
            ["TYPE"] = type, ["ID"] = id, ["START"] = Iso(start), ["END"] = Iso(start.AddMinutes(45)),
        });
        return timestamp is { } at
            ? Encoding.UTF8.GetBytes("{\n  \"timestamp\": \"" + Iso(at) + "\"," + Encoding.UTF8.GetString(body).TrimStart()[1..])
            : body;
    }
}
