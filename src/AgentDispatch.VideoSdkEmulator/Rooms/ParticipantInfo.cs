using System.Text.Json.Serialization;

namespace AgentDispatch.VideoSdkEmulator.Rooms;

/// <summary>A participant of a session as VideoSDK lists it.</summary>
/// <param name="AgentId">The dispatched agent this participant is; null for a human. Not part of VideoSDK's answer.</param>
public sealed record ParticipantInfo(
    string ParticipantId,
    string Name,
    IReadOnlyList<TimelogEntry> Timelog,
    [property: JsonIgnore] string? AgentId = null)
{
    /// <summary>Whether the participant is in the room now.</summary>
    [JsonIgnore]
    public bool IsActive => Timelog.Count > 0 && Timelog[^1].End is null;
}

/// <summary>One stretch in the room; <paramref name="End"/> is null while it lasts. Times are UTC.</summary>
public sealed record TimelogEntry(DateTime Start, DateTime? End);
