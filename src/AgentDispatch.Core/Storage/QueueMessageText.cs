using System.Buffers.Text;

namespace AgentDispatch.Storage;

/// <summary>
/// Queue message bodies arrive as plain text (what the Azure SDK sends by default) or base64 (what
/// the Functions binding sends by default). With host.json's <c>"messageEncoding": "none"</c> the
/// app gets the text as sent and accepts both: JSON starts with <c>{</c>, base64 of JSON does not.
/// </summary>
public static class QueueMessageText
{
    public static ReadOnlyMemory<byte> Decode(BinaryData body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var bytes = body.ToMemory();
        if (bytes.Span.StartsWith("\uFEFF"u8))
        {
            bytes = bytes[3..]; // a UTF-8 byte-order mark, as some editors and tools write
        }

        var span = bytes.Span.TrimStart(" \t\r\n"u8);
        if (span.IsEmpty || span[0] == (byte)'{' || span[0] == (byte)'[')
        {
            return bytes;
        }

        var trimmed = span.TrimEnd(" \t\r\n"u8);
        if (Base64.IsValid(trimmed, out var length))
        {
            var decoded = new byte[length];
            if (Convert.TryFromBase64String(System.Text.Encoding.ASCII.GetString(trimmed), decoded, out var written))
            {
                return decoded.AsMemory(0, written);
            }
        }

        return bytes; // not base64 either: the JSON parser reports what is wrong with it
    }
}
