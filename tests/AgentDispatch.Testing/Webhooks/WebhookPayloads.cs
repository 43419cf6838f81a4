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

    public static byte[] CalendlyCreated(string invitee, DateTimeOffset start, DateTimeOffset createdAt, TimeSpan? length = null)
        => Load("calendly-invitee-created", new Dictionary<string, string>
        {
            ["INVITEE"] = invitee, ["START"] = Iso(start), ["END"] = Iso(start + (length ?? TimeSpan.FromMinutes(30))), ["CREATED"] = Iso(createdAt),
        });

    public static byte[] CalendlyCanceled(string invitee, DateTimeOffset start, DateTimeOffset createdAt, string? newInvitee = null)
        => Load("calendly-invitee-canceled", new Dictionary<string, string>
        {
            ["INVITEE"] = invitee, ["START"] = Iso(start), ["END"] = Iso(start.AddMinutes(30)), ["CREATED"] = Iso(createdAt),
            ["RESCHEDULED"] = newInvitee is null ? "false" : "true",
            ["NEW_INVITEE"] = newInvitee is null ? "null" : $"\"https://api.calendly.com/scheduled_events/HCHCEDBBEBFEDSA3/invitees/{newInvitee}\"",
            ["REASON"] = newInvitee is null ? "Cannot make it" : "Rescheduled",
        });

    public static byte[] CalendlyRescheduledCreated(string invitee, string oldInvitee, DateTimeOffset start, DateTimeOffset createdAt)
        => Load("calendly-invitee-created-rescheduled", new Dictionary<string, string>
        {
            ["INVITEE"] = invitee, ["OLD_INVITEE"] = oldInvitee, ["START"] = Iso(start), ["END"] = Iso(start.AddMinutes(30)), ["CREATED"] = Iso(createdAt),
        });

    public static byte[] CalCom(string trigger, string uid, DateTimeOffset start, DateTimeOffset createdAt, string? rescheduleUid = null)
        => Load("calcom-booking", new Dictionary<string, string>
        {
            ["TRIGGER"] = trigger, ["UID"] = uid, ["START"] = Iso(start), ["END"] = Iso(start.AddMinutes(30)), ["CREATED"] = Iso(createdAt),
            ["RESCHEDULE_UID"] = rescheduleUid is null ? "null" : $"\"{rescheduleUid}\"",
            ["STATUS"] = trigger == "BOOKING_CANCELLED" ? "CANCELLED" : "ACCEPTED",
        });

    public static byte[] Standard(string type, string id, DateTimeOffset start)
        => Load("standard-meeting", new Dictionary<string, string>
        {
            ["TYPE"] = type, ["ID"] = id, ["START"] = Iso(start), ["END"] = Iso(start.AddMinutes(45)),
        });
}
