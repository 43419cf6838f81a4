using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentDispatch.Dispatch;

/// <summary>
/// The body of VideoSDK's <c>POST /v2/agent/dispatch</c>, field for field. Optional fields are
/// left off the wire when absent, as VideoSDK's own examples do.
/// </summary>
public sealed record DispatchRequest(
    [property: JsonPropertyName("meetingId")] string MeetingId,
    [property: JsonPropertyName("agentId")] string AgentId,
    [property: JsonPropertyName("metadata")] JsonElement? Metadata = null,
    [property: JsonPropertyName("versionId")] string? VersionId = null);
