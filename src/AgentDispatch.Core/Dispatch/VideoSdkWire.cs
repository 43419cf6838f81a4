using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentDispatch.Dispatch;

/// <summary>VideoSDK's answer: <c>{"message": "...", "data": {"success": true, "status": "assigned", ...}}</c>.</summary>
public sealed record VideoSdkAnswer(
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("data")] VideoSdkAnswerData? Data);

public sealed record VideoSdkAnswerData([property: JsonPropertyName("success")] bool? Success);

/// <summary>A page of VideoSDK's list answers: <c>{"pageInfo": {"currentPage", "lastPage", ...}, "data": [...]}</c>.</summary>
public sealed record VideoSdkPage<T>(
    [property: JsonPropertyName("pageInfo")] VideoSdkPageInfo? PageInfo,
    [property: JsonPropertyName("data")] IReadOnlyList<T>? Data);

public sealed record VideoSdkPageInfo(
    [property: JsonPropertyName("currentPage")] int? CurrentPage,
    [property: JsonPropertyName("lastPage")] int? LastPage);

/// <summary>A session of <c>GET /v2/sessions</c>: <c>{"id", "roomId", "start", "end", "status"}</c>.</summary>
public sealed record VideoSdkSession(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("end")] DateTimeOffset? End);

/// <summary>A participant: <c>{"participantId", "name", "timelog": [{"start", "end"}]}</c>.</summary>
public sealed record VideoSdkParticipant(
    [property: JsonPropertyName("participantId")] string? ParticipantId,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("timelog")] IReadOnlyList<VideoSdkTimelog>? Timelog);

public sealed record VideoSdkTimelog(
    [property: JsonPropertyName("start")] DateTimeOffset? Start,
    [property: JsonPropertyName("end")] DateTimeOffset? End);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(VideoSdkPage<VideoSdkSession>))]
[JsonSerializable(typeof(VideoSdkPage<VideoSdkParticipant>))]
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
