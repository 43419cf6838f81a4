namespace AgentDispatch.VideoSdkEmulator.Dispatch;

/// <summary>Every error answer of the API: only a message, which clients must classify by.</summary>
internal sealed record MessageBody(string Message);

/// <summary>The documented success answer, field for field.</summary>
internal sealed record DispatchSuccessBody(string Message, DispatchSuccessData Data)
{
    public const string SuccessMessage = "Agent dispatch requested successfully.";
}

internal sealed record DispatchSuccessData(bool Success, string Status, string RoomId, string AgentId);
