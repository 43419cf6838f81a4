using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentDispatch.Dispatch;

/// <summary>VideoSDK's answer: <c>{"message": "...", "data": {"success": true, "status": "assigned", ...}}</c>.</summary>
public sealed record VideoSdkAnswer(
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("data")] VideoSdkAnswerData? Data);

public sealed record VideoSdkAnswerData([property: JsonPropertyName("success")] bool? Success);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DispatchRequest))]
[JsonSerializable(typeof(VideoSdkAnswer))]
[JsonSerializable(typeof(VideoSdkAnswerData))]
public sealed partial class VideoSdkJsonContext : JsonSerializerContext
{
    /// <summary>The message of an answer body, or null when the body is not the JSON VideoSDK documents.</summary>
    public static string? ReadMessage(ReadOnlySpan<byte> body) => ReadAnswer(body)?.Message;

    /// <summary>The answer body, or null when it is not the JSON VideoSDK documents.</summary>
    public static VideoSdkAnswer? ReadAnswer(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(body, Default.VideoSdkAnswer);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
