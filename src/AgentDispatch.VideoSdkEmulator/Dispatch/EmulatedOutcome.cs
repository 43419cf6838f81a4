using System.Text.Json.Serialization;

namespace AgentDispatch.VideoSdkEmulator.Dispatch;

/// <summary>What became of one dispatch request.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EmulatedOutcome>))]
public enum EmulatedOutcome
{
    /// <summary>An agent was dispatched and the success body answered (possibly late, by a slow fault).</summary>
    [JsonStringEnumMemberName("assigned")]
    Assigned,

    /// <summary>"No workers available": workers exist but none has room.</summary>
    [JsonStringEnumMemberName("capacity")]
    Capacity,

    /// <summary>"No Workers Registered" for the agent.</summary>
    [JsonStringEnumMemberName("notRegistered")]
    NotRegistered,

    /// <summary>"Agent Not Deployed" for the agent and versionId.</summary>
    [JsonStringEnumMemberName("notDeployed")]
    NotDeployed,

    /// <summary>The body was refused with 400 (or 413).</summary>
    [JsonStringEnumMemberName("invalid")]
    Invalid,

    [JsonStringEnumMemberName("unauthorized")]
    Unauthorized,

    [JsonStringEnumMemberName("fault503")]
    Fault503,

    [JsonStringEnumMemberName("fault429")]
    Fault429,

    /// <summary>The connection was aborted without an answer, after the dispatch was processed.</summary>
    [JsonStringEnumMemberName("dropped")]
    Dropped,
}
