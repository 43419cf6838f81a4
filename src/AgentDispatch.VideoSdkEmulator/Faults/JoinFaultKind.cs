using System.Text.Json.Serialization;

namespace AgentDispatch.VideoSdkEmulator.Faults;

/// <summary>How an assigned dispatch goes wrong after the answer: what the agent does in the room.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JoinFaultKind>))]
public enum JoinFaultKind
{
    /// <summary>The answer says assigned, but the agent never joins.</summary>
    [JsonStringEnumMemberName("never")]
    Never,

    /// <summary>The agent joins after the fault's delay instead of <see cref="EmulatorOptions.JoinDelay"/>.</summary>
    [JsonStringEnumMemberName("late")]
    Late,

    /// <summary>The agent joins, then leaves after the fault's delay (reason <c>user-left</c>).</summary>
    [JsonStringEnumMemberName("leave")]
    Leave,

    /// <summary>The dispatch is performed and the agent joins, but the connection is aborted instead of answered.</summary>
    [JsonStringEnumMemberName("loseAnswer")]
    LoseAnswer,

    /// <summary>The agent joins, but no webhook tells of its joining or leaving (nor of the session start or end that causes).</summary>
    [JsonStringEnumMemberName("loseWebhooks")]
    LoseWebhooks,
}
