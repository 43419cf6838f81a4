namespace AgentDispatch.Dispatch;

/// <summary>Someone in a room's ongoing session, as VideoSDK's sessions API lists them.</summary>
/// <param name="JoinedAt">The start of the participant's latest stay (its open timelog entry), when VideoSDK gives one.</param>
public sealed record RoomParticipant(string ParticipantId, string? Name, string SessionId, DateTimeOffset? JoinedAt);

/// <summary>What a look in a room found: who is in it now, or why the app could not tell.</summary>
public sealed record RoomLook(IReadOnlyList<RoomParticipant> Participants, string? Problem = null)
{
    public static RoomLook Unavailable(string problem) => new([], problem);

    /// <summary>False when VideoSDK could not be asked or did not answer as documented: nothing is known.</summary>
    public bool Looked => Problem is null;
}
