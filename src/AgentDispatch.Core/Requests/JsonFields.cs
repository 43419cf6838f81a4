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
    /// <param name="field">What the bytes are called in errors about them as a whole (<c>body</c>, <c>data_base64</c>).</param>
    /// <param name="prefix">Put before the path of a property named in an error (<c>data.</c> for an embedded object).</param>
    public static JsonDocument? ParseObject(ReadOnlyMemory<byte> body, RequestErrors errors, string field = "body", string prefix = "")
    {
        if (body.IsEmpty)
        {
            errors.Add(field, "is empty; a JSON object is required.");
            return null;
        }

        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            errors.Add(field, "is not valid UTF-8; JSON must be UTF-8.");
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth, AllowDuplicateProperties = false });
        }
        catch (JsonException ex)
        {
            errors.Add(field, $"is not valid JSON: {Describe(ex)}");
            return null;
        }
        catch (InvalidOperationException)
        {
            // The duplicate-name check unescapes every name: one escaping an unpaired surrogate cannot be.
            errors.Add(field, NotUnicode);
            return null;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            errors.Add(field, $"must be a JSON object, not {Kind(document.RootElement.ValueKind)}.");
            document.Dispose();
            return null;
        }

        // Valid UTF-8 can only hide an unpaired surrogate behind a \u escape: most bodies have none,
        // and then nothing is read twice.
        if (body.Span.IndexOf("\\u"u8) >= 0 && FirstUnreadableText(document.RootElement, prefix) is { } path)
        {
            errors.Add(path.Length == 0 || path == prefix ? field : path, NotUnicode);
            document.Dispose();
            return null;
        }

        return document;
    }

    private const string NotUnicode = "is not valid Unicode text: it escapes an unpaired surrogate (such as \\ud800).";

    /// <summary>
    /// Where the document has a name or string that cannot be read as text (an escaped unpaired
    /// surrogate), or null. Checked once here, so that no reader further in meets it as an exception.
    /// </summary>
    private static string? FirstUnreadableText(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return path;
                    }

                    if (FirstUnreadableText(property.Value, (path.Length == 0 || path.EndsWith('.') ? path : path + ".") + (name.Length > 64 ? name[..64] + "..." : name)) is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FirstUnreadableText(item, $"{path}[{index++}]") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValueKind.String:
                try
                {
                    _ = element.GetString();
                    return null;
                }
                catch (InvalidOperationException)
                {
                    return path;
                }

            default:
                return null;
        }
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
            errors.Add(field, "must not contain control characters, invisible format characters (such as zero-width spaces or direction overrides) or unpaired surrogates.");
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
            errors.Add(field, "must not contain control characters, invisible format characters (such as zero-width spaces or direction overrides) or unpaired surrogates.");
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
            // Format characters (right-to-left overrides, zero-width spaces, byte-order marks) are
            // invisible: two ids differing only by one would print the same.
            if (char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format)
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
