using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentDispatch.Events;
using AgentDispatch.Jobs;
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

    /// <summary>
    /// Refuses a booking whose start is missing or is not a time, and one whose end is there but is not a
    /// time (an end is optional, but one that cannot be read would have it taken for a meeting without one:
    /// its "already over" check and <c>{{meeting.endTime}}</c> use it). Each field is named; null when both hold.
    /// </summary>
    public static WebhookParse? BadTimes(string startField, TimeRead start, string missingStart, string endField, TimeRead end)
    {
        var errors = new RequestErrors();
        if (start.Problem is { } startProblem)
        {
            errors.Add(startField, startProblem);
        }
        else if (start.At is null)
        {
            errors.Add(startField, missingStart);
        }

        if (end.Problem is { } endProblem)
        {
            errors.Add(endField, endProblem);
        }

        return errors.Any ? Invalid(errors) : null;
    }
}

/// <summary>A time field as read: the time, none (absent, null or empty), or why the text there is no time.</summary>
public readonly record struct TimeRead(DateTimeOffset? At, string? Problem);

/// <summary>
/// Lenient reads of provider payloads: providers add fields freely, so only what is used is read,
/// and a field of an unexpected type reads as absent.
/// </summary>
internal static partial class Json
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

    /// <summary>
    /// As <see cref="Time"/>, but telling "none" (absent, null, empty) from "not a time": a value of another
    /// type, text that does not parse, and a time whose offset puts it outside the calendar in UTC
    /// (<c>9999-12-31T23:00:00-14:00</c>, which <see cref="DateTimeOffset.TryParse(string?, IFormatProvider?, DateTimeStyles, out DateTimeOffset)"/> refuses like any unreadable text).
    /// </summary>
    public static TimeRead ReadTime(this JsonElement element, params string[] path)
    {
        if (element.At(path) is not { } value || (value.ValueKind == JsonValueKind.String && value.GetString() is not { Length: > 0 }))
        {
            return new TimeRead(null, null);
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            return new TimeRead(null, NotATime);
        }

        var text = value.GetString()!;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return new TimeRead(at.ToUniversalTime(), null);
        }

        // A well-formed time with an offset fails the parse too when the offset takes it out of the calendar;
        // it is told apart by its wall-clock part, which does parse.
        var offset = TrailingOffset().Match(text);
        return offset.Success && DateTime.TryParse(text[..offset.Groups["offset"].Index], CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
            ? new TimeRead(null, Instants.OutsideCalendar + ".")
            : new TimeRead(null, NotATime);
    }

    private const string NotATime = "must be a time such as 2026-12-01T09:00:00Z.";

    // A clock time, then the offset that ends the text.
    [GeneratedRegex(@"\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?\s*(?<offset>Z|z|[+-]\d{2}(:?\d{2})?)$", RegexOptions.CultureInvariant)]
    private static partial Regex TrailingOffset();

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
