using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentDispatch.Jobs;

namespace AgentDispatch.Requests;

/// <summary>
/// Reads a dispatch job request: the body of <c>POST /api/dispatches</c> and of a queue message,
/// either bare or as the <c>data</c> of a CloudEvents 1.0 JSON envelope.
/// </summary>
public static partial class DispatchJobRequestParser
{
    public static readonly IReadOnlyCollection<string> Fields =
        ["meetingId", "agentId", "metadata", "versionId", "dispatchAt", "notAfter", "idempotencyKey", "correlationId", "callbackUrl"];

    /// <summary>The longest <c>callbackUrl</c> accepted.</summary>
    public const int MaxCallbackUrlLength = 2048;

    public static ParseResult<DispatchJobRequest> Parse(ReadOnlyMemory<byte> body)
    {
        var errors = new RequestErrors();
        using var document = JsonFields.ParseObject(body, errors);
        if (document is null)
        {
            return ParseResult.Invalid<DispatchJobRequest>(errors);
        }

        var root = document.RootElement;
        return root.TryGetProperty("specversion", out _)
            ? ParseCloudEvent(root, errors)
            : ParseFields(root, errors, defaultKey: null, prefix: "");
    }

    private static ParseResult<DispatchJobRequest> ParseCloudEvent(JsonElement envelope, RequestErrors errors)
    {
        string? Attribute(string name)
        {
            if (!envelope.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
            {
                errors.Add(name, "is required in a CloudEvents envelope (a non-empty string).");
                return null;
            }

            return value.GetString();
        }

        var version = Attribute("specversion");
        if (version is not null && version != "1.0")
        {
            errors.Add("specversion", $"must be \"1.0\", not \"{Truncate(version)}\".");
        }

        // id and source become the job's key: too long, they are refused like any other id, never cut.
        var id = Attribute("id") is { } rawId ? JsonFields.CheckId(rawId, "id", errors) : null;
        var source = Attribute("source") is { } rawSource ? JsonFields.CheckId(rawSource, "source", errors) : null;
        Attribute("type");

        if (envelope.TryGetProperty("datacontenttype", out var contentType)
            && (contentType.ValueKind != JsonValueKind.String || !IsJsonMediaType(contentType.GetString()!)))
        {
            errors.Add("datacontenttype", "must be application/json when present.");
        }

        JsonDocument? decoded = null;
        try
        {
            JsonElement data;
            if (envelope.TryGetProperty("data", out data))
            {
                if (data.ValueKind != JsonValueKind.Object)
                {
                    errors.Add("data", $"must be a JSON object, not {JsonFields.Kind(data.ValueKind)}.");
                    return ParseResult.Invalid<DispatchJobRequest>(errors);
                }
            }
            else if (envelope.TryGetProperty("data_base64", out var base64) && base64.ValueKind == JsonValueKind.String)
            {
                var bytes = TryDecodeBase64(base64.GetString()!);
                var inner = new RequestErrors();
                decoded = bytes is null ? null : JsonFields.ParseObject(bytes, inner, "data_base64", "data.");
                if (decoded is null)
                {
                    foreach (var (field, messages) in inner.ToDictionary())
                    {
                        foreach (var message in messages)
                        {
                            errors.Add(field, message);
                        }
                    }

                    if (!inner.Any)
                    {
                        errors.Add("data_base64", "must be base64 of a JSON object.");
                    }

                    return ParseResult.Invalid<DispatchJobRequest>(errors);
                }

                data = decoded.RootElement;
            }
            else
            {
                errors.Add("data", "is required: the dispatch request goes in the CloudEvent's data.");
                return ParseResult.Invalid<DispatchJobRequest>(errors);
            }

            // CloudEvents promise that source + id identify an event: a redelivered or re-sent event is the same request.
            var defaultKey = id is not null && source is not null ? $"cloudevents:{source}\n{id}" : null;
            return ParseFields(data, errors, defaultKey, prefix: "data.");
        }
        finally
        {
            decoded?.Dispose();
        }
    }

    private static ParseResult<DispatchJobRequest> ParseFields(JsonElement root, RequestErrors errors, string? defaultKey, string prefix)
    {
        var fields = new DispatchFields(prefix);
        DateTimeOffset? dispatchAt = null;
        DateTimeOffset? notAfter = null;
        string? idempotencyKey = null;
        string? correlationId = null;
        string? callbackUrl = null;

        foreach (var property in root.EnumerateObject())
        {
            if (fields.TryRead(property, errors))
            {
                continue;
            }

            switch (property.Name)
            {
                case "dispatchAt":
                    dispatchAt = ReadTimestamp(property.Value, prefix + "dispatchAt", errors);
                    break;
                case "notAfter":
                    notAfter = ReadTimestamp(property.Value, prefix + "notAfter", errors);
                    break;
                case "idempotencyKey":
                    idempotencyKey = JsonFields.ReadId(property.Value, prefix + "idempotencyKey", errors);
                    break;
                case "correlationId":
                    correlationId = JsonFields.ReadId(property.Value, prefix + "correlationId", errors);
                    break;
                case "callbackUrl":
                    callbackUrl = ReadCallbackUrl(property.Value, prefix + "callbackUrl", errors);
                    break;
                default:
                    JsonFields.RejectUnknown(prefix + property.Name, Fields, errors);
                    break;
            }
        }

        var dispatch = fields.ToRequest(errors);
        if (dispatchAt is { } at && notAfter is { } until && until <= at)
        {
            errors.Add(prefix + "notAfter", "must be later than dispatchAt.");
        }

        return dispatch is null || errors.Any
            ? ParseResult.Invalid<DispatchJobRequest>(errors)
            : ParseResult.Valid(new DispatchJobRequest(dispatch, dispatchAt, notAfter, idempotencyKey ?? defaultKey, correlationId) { CallbackUrl = callbackUrl });
    }

    /// <summary>
    /// An absolute URL as a string. Whether this deployment may call it (https, no private addresses) is
    /// the job service's check, which knows the settings.
    /// </summary>
    private static string? ReadCallbackUrl(JsonElement value, string field, RequestErrors errors)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(field, $"must be a URL string, not {JsonFields.Kind(value.ValueKind)}.");
            return null;
        }

        var text = value.GetString()!;
        // Uri takes "/hooks" for a file path on Unix: the scheme is what says it is a web address.
        if (text.Length > MaxCallbackUrlLength || !Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            errors.Add(field, $"must be an absolute http(s) URL of at most {MaxCallbackUrlLength} characters.");
            return null;
        }

        return text;
    }

    /// <summary>An ISO 8601 date and time with an explicit offset (<c>Z</c> or <c>+02:00</c>): a time without one is ambiguous.</summary>
    public static DateTimeOffset? ReadTimestamp(JsonElement value, string field, RequestErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(field, $"must be an ISO 8601 string with an offset, not {JsonFields.Kind(value.ValueKind)}.");
            return null;
        }

        return ReadTimestamp(value.GetString()!, field, errors);
    }

    /// <summary>As <see cref="ReadTimestamp(JsonElement, string, RequestErrors)"/>, for text (a query string's value).</summary>
    public static DateTimeOffset? ReadTimestamp(string text, string field, RequestErrors errors, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(errors);
        if (!Iso8601WithOffset().IsMatch(text)
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            // A well-formed time whose offset takes it out of the calendar in UTC (0001-01-01T00:00:00+14:00)
            // fails TryParse too; it is told apart by its wall-clock part, which does parse.
            errors.Add(field, Iso8601WithOffset().IsMatch(text) && DateTime.TryParse(text[..^OffsetLength(text)], CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                ? Instants.OutsideCalendar + "."
                : "must be an ISO 8601 date and time with an offset, e.g. 2026-12-01T09:00:00Z or 2026-12-01T10:00:00+01:00" + hint + ".");
            return null;
        }

        // Whole milliseconds: the ledger and queue messages round-trip them exactly.
        return new DateTimeOffset(parsed.UtcTicks - (parsed.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    private static byte[]? TryDecodeBase64(string text)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return Base64Url.IsValid(text) ? Base64Url.DecodeFromChars(text) : null;
        }
    }

    private static bool IsJsonMediaType(string mediaType)
    {
        var type = mediaType.Split(';')[0].Trim();
        return type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static string Truncate(string text) => text.Length <= 16 ? text : text[..16] + "…";

    private static int OffsetLength(string text) => text[^1] is 'Z' or 'z' ? 1 : 6;

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Iso8601WithOffset();
}
