using System.Text;
using System.Text.Json;

namespace AgentDispatch.Requests;

/// <summary>
/// Reads and checks the fields of a JSON request object, collecting every error. Shared by every
/// way a dispatch comes in (HTTP, queue, webhooks), so the same input is judged the same way.
/// </summary>
public static class JsonFields
{
    /// <summary>Longest id accepted (meeting, agent, version, idempotency key).</summary>
    public const int MaxIdLength = 256;

    /// <summary>Deepest nesting accepted anywhere in a request.</summary>
    public const int MaxDepth = 32;

    /// <summary>
    /// Parses <paramref name="body"/> as one JSON object. Rejects what System.Text.Json would let
    /// through but a second parser might read differently: duplicate names, trailing content.
    /// </summary>
    public static JsonDocument? ParseObject(ReadOnlyMemory<byte> body, RequestErrors errors)
    {
        if (body.IsEmpty)
        {
            errors.Add("body", "is empty; a JSON object is required.");
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth, AllowDuplicateProperties = false });
        }
        catch (JsonException ex)
        {
            errors.Add("body", $"is not valid JSON: {Describe(ex)}");
            return null;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            errors.Add("body", $"must be a JSON object, not {Kind(document.RootElement.ValueKind)}.");
            document.Dispose();
            return null;
        }

        return document;
    }

    /// <summary>A required or optional id: a non-blank string of printable text, at most <see cref="MaxIdLength"/> characters.</summary>
    public static string? ReadId(JsonElement value, string field, RequestErrors errors)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(field, $"must be a string, not {Kind(value.ValueKind)}.");
            return null;
        }

        string text;
        try
        {
            text = value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate ("\ud800") is valid JSON but not text.
            errors.Add(field, "must not contain control characters or unpaired surrogates.");
            return null;
        }

        return CheckId(text, field, errors);
    }

    /// <summary>The checks of <see cref="ReadId"/> for text that did not come from JSON (a header, a query value).</summary>
    public static string? CheckId(string text, string field, RequestErrors errors)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add(field, "must not be blank.");
            return null;
        }

        if (text.Length > MaxIdLength)
        {
            errors.Add(field, $"must be at most {MaxIdLength} characters (it has {text.Length}).");
            return null;
        }

        if (!IsPrintable(text))
        {
            errors.Add(field, "must not contain control characters or unpaired surrogates.");
            return null;
        }

        if (text.Trim().Length != text.Length)
        {
            errors.Add(field, "must not start or end with white space.");
            return null;
        }

        return text;
    }

    /// <summary>An optional JSON object of at most <paramref name="maxBytes"/> bytes; returned detached from the document.</summary>
    public static JsonElement? ReadObject(JsonElement value, string field, int maxBytes, RequestErrors errors)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(field, $"must be a JSON object, not {Kind(value.ValueKind)}.");
            return null;
        }

        var size = Encoding.UTF8.GetByteCount(value.GetRawText());
        if (size > maxBytes)
        {
            errors.Add(field, $"must be at most {maxBytes} bytes of JSON (it has {size}).");
            return null;
        }

        return value.Clone();
    }

    /// <summary>Reports a field this request does not know, with a hint when only the letter case is off.</summary>
    public static void RejectUnknown(string name, IReadOnlyCollection<string> known, RequestErrors errors)
    {
        var sameButCase = known.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
        var field = IsPrintable(name) && name.Length <= 64 ? name : "(unnamed)";
        errors.Add(field, sameButCase is null
            ? $"is not a known field; known fields are {string.Join(", ", known)}."
            : $"is not a known field; did you mean '{sameButCase}'? Field names are case-sensitive.");
    }

    public static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static bool IsPrintable(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsControl(c))
            {
                return false;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    // JsonException messages quote positions, not the surrounding input: safe to hand back.
    private static string Describe(JsonException ex)
        => ex.LineNumber is { } line && ex.BytePositionInLine is { } position
            ? $"{FirstSentence(ex.Message)} (line {line + 1}, byte {position + 1})."
            : FirstSentence(ex.Message) + ".";

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". ", StringComparison.Ordinal);
        var sentence = cut < 0 ? message : message[..cut];
        var path = sentence.IndexOf(" Path:", StringComparison.Ordinal);
        return (path < 0 ? sentence : sentence[..path]).TrimEnd('.');
    }
}
