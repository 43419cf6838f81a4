using System.Text.Json.Serialization;

namespace AgentDispatch.VideoSdkEmulator.Webhooks;

/// <summary>What VideoSDK posts: <c>{"webhookType": …, "data": {…}}</c>.</summary>
internal sealed record WebhookPayload(string WebhookType, WebhookData Data)
{
    public const string SessionStarted = "session-started";
    public const string SessionEnded = "session-ended";
    public const string ParticipantJoined = "participant-joined";
    public const string ParticipantLeft = "participant-left";
}

/// <summary>The data of one event; fields an event does not have are left out.</summary>
internal sealed record WebhookData(
    string MeetingId,
    string SessionId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ParticipantId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ParticipantName = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTime? JoinedAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTime? LeftAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTime? Start = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTime? End = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null);
