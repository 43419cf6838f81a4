using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace AgentDispatch.VideoSdkEmulator.Dispatch;

/// <summary>The fields of a dispatch body the emulator acts on; <c>metadata</c> is checked, then passed over.</summary>
internal readonly record struct IncomingDispatch(string MeetingId, string AgentId, string? VersionId)
{
    /// <summary>
    /// Reads the body with a forward-only reader: no DOM and no reflection on the hot path.
    /// Property names are case-sensitive, as in the upstream JavaScript service; unknown ones are ignored.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> body, out IncomingDispatch request, [NotNullWhen(false)] out string? error)
    {
        request = default;
        string? meetingId = null;
        string? agentId = null;
        string? versionId = null;
        if (body.Trim(" \t\r\n"u8).IsEmpty)
        {
            error = "Request body must be a JSON object.";
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "Request body must be a JSON object.";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("meetingId"u8))
                {
                    if (!TryReadString(ref reader, "meetingId", out meetingId, out error))
                    {
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("agentId"u8))
                {
                    if (!TryReadString(ref reader, "agentId", out agentId, out error))
                    {
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("versionId"u8))
                {
                    if (!TryReadString(ref reader, "versionId", out versionId, out error))
                    {
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("metadata"u8))
                {
                    reader.Read();
                    if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.Null))
                    {
                        error = "metadata must be an object.";
                        return false;
                    }

                    reader.Skip();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            // Anything after the closing brace other than white space is malformed JSON.
            if (reader.Read())
            {
                error = "Malformed JSON body.";
                return false;
            }
        }
        catch (JsonException)
        {
            error = "Malformed JSON body.";
            return false;
        }

        if (string.IsNullOrWhiteSpace(meetingId))
        {
            error = "meetingId is required.";
            return false;
        }

        if (string.IsNullOrWhiteSpace(agentId))
        {
            error = "agentId is required.";
            return false;
        }

        if (versionId is not null && string.IsNullOrWhiteSpace(versionId))
        {
            error = "versionId must not be blank.";
            return false;
        }

        request = new IncomingDispatch(meetingId, agentId, versionId);
        error = null;
        return true;
    }

    private static bool TryReadString(ref Utf8JsonReader reader, string name, out string? value, [NotNullWhen(false)] out string? error)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                value = reader.GetString();
                error = null;
                return true;
            case JsonTokenType.Null:
                // null reads as "not given": required fields then fail as missing, versionId as absent.
                value = null;
                error = null;
                return true;
            default:
                value = null;
                error = $"{name} must be a string.";
                return false;
        }
    }
}
