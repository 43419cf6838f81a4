using System.Globalization;
using System.Text.Json;
using AgentDispatch.Events;
using AgentDispatch.Requests;

namespace AgentDispatch.Webhooks;

/// <summary>What a verified delivery says: a meeting event, or a reason it carries none, or what is wrong with it.</summary>
public sealed record WebhookParse(MeetingEvent? Event, string? Ignored, RequestErrors? Errors, DateTimeOffset? OccurredAt = null)
{
    public static WebhookParse Of(MeetingEvent meetingEvent, DateTimeOffset? occurredAt) => new(meetingEvent, null, null, occurredAt);

    public static WebhookParse Ignore(string reason) => new(null, reason, null);

    public static WebhookParse Invalid(RequestErrors errors) => new(null, null, errors);

    public static WebhookParse Invalid(string field, string message)
    {
        var errors = new RequestErrors();
        errors.Add(field, message);
        return Invalid(errors);
    }

    /// <summary>
    /// Refuses ids over <see cref="EventLimits.MaxIdLength"/>, each named: an id is part of the job's key,
    /// and cut it would be another meeting's. Null when every id is within the limit.
    /// </summary>
    public static WebhookParse? IdsTooLong(params (string Field, string? Id)[] ids)
    {
        var errors = new RequestErrors();
        foreach (var (field, id) in ids)
        {
            if (EventLimits.IdTooLong(id) is { } problem)
            {
                errors.Add(field, problem);
            }
        }

        return errors.Any ? Invalid(errors) : null;
    }
}

/// <summary>
/// Lenient reads of provider payloads: providers add fields freely, so only what is used is read,
/// and a field of an unexpected type reads as absent.
/// </summary>
internal static class Json
{
    public static JsonElement? At(this JsonElement element, params string[] path)
    {
        var current = element;
        foreach (var name in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                return null;
            }
        }

        return current.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined ? null : current;
    }

    public static string? Text(this JsonElement element, params string[] path)
        => element.At(path) is { ValueKind: JsonValueKind.String } value && value.GetString() is { Length: > 0 } text ? text : null;

    public static bool? Flag(this JsonElement element, params string[] path)
        => element.At(path) is { ValueKind: JsonValueKind.True or JsonValueKind.False } value ? value.GetBoolean() : null;

    public static DateTimeOffset? Time(this JsonElement element, params string[] path)
        => element.Text(path) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at.ToUniversalTime() : null;

    public static IEnumerable<JsonElement> Items(this JsonElement element, params string[] path)
        => element.At(path) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];

    public static JsonDocument? Parse(ReadOnlyMemory<byte> body, out RequestErrors? errors)
    {
        var found = new RequestErrors();
        var document = JsonFields.ParseObject(body, found);
        errors = document is null ? found : null;
        return document;
    }

    public static Dictionary<string, string> Texts(params (string Field, string? Value)[] texts)
        => texts.Where(t => !string.IsNullOrWhiteSpace(t.Value)).GroupBy(t => t.Field).ToDictionary(g => g.Key, g => string.Join("\n", g.Select(t => t.Value)));
}
