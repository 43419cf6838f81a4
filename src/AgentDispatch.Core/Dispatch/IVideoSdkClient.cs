namespace AgentDispatch.Dispatch;

/// <summary>VideoSDK's API as this app uses it: sends a dispatch and says what became of it, and looks in a room.</summary>
public interface IVideoSdkClient
{
    /// <exception cref="OperationCanceledException">Only when <paramref name="cancellationToken"/> was cancelled.</exception>
    Task<DispatchOutcome> DispatchAsync(DispatchRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Who is in the room <paramref name="meetingId"/> now: the active participants of its ongoing
    /// sessions (none when no session is ongoing). Never throws for an upstream failure: the look says
    /// it could not tell.
    /// </summary>
    /// <exception cref="OperationCanceledException">Only when <paramref name="cancellationToken"/> was cancelled.</exception>
    Task<RoomLook> LookInRoomAsync(string meetingId, CancellationToken cancellationToken);
}
