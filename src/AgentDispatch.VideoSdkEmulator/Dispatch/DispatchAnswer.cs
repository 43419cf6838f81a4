using AgentDispatch.VideoSdkEmulator.Faults;

namespace AgentDispatch.VideoSdkEmulator.Dispatch;

/// <summary>What the emulator decided for one request, before it is recorded and sent.</summary>
internal readonly record struct DispatchAnswer(
    EmulatedOutcome Outcome,
    int Status,
    byte[] Body,
    bool Assigned = false,
    string? WorkerId = null,
    string? MeetingId = null,
    string? AgentId = null,
    FaultKind Fault = FaultKind.None,
    int RetryAfterSeconds = 0,
    TimeSpan SlowDelay = default)
{
    public bool Dropped => Fault == FaultKind.Drop;

    public bool Slow => Fault == FaultKind.Slow;
}
