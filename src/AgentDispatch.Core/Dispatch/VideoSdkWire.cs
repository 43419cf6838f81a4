using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentDispatch.Dispatch;

/// <summary>VideoSDK's answer: <c>{"message": "...", "data": {...}}</c>. Only the message decides anything.</summary>
public sealed record VideoSdkAnswer([property: JsonPropertyName("message")] string? Message);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DispatchRequest))]
[JsonSerializable(typeof(VideoSdkAnswer))]
public sealed partial class VideoSdkJsonContext : JsonSerializerContext
{
    /// <summary>The message of an answer body, or null when the body is not the JSON VideoSDK documents.</summary>
    public static string? ReadMessage(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(body, Default.VideoSdkAnswer)?.Message;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
