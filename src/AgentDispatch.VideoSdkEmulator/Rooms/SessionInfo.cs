namespace AgentDispatch.VideoSdkEmulator.Rooms;

/// <summary>One occupancy of a room, from the first join to the end, as VideoSDK's sessions API shows it.</summary>
/// <param name="End">Null while the session is ongoing.</param>
/// <param name="Status"><see cref="Ongoing"/> or <see cref="Ended"/>.</param>
/// <param name="Participants">Everyone who was in it, those who left included.</param>
public sealed record SessionInfo(
    string Id,
    string RoomId,
    DateTime Start,
    DateTime? End,
    string Status,
    IReadOnlyList<ParticipantInfo> Participants)
{
    public const string Ongoing = "ongoing";
    public const string Ended = "ended";
}

/// <summary>A room (a meetingId) and its sessions, newest first.</summary>
public sealed record RoomInfo(string RoomId, string? CustomRoomId, IReadOnlyList<SessionInfo> Sessions);
