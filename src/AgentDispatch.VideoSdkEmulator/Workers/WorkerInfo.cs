namespace AgentDispatch.VideoSdkEmulator.Workers;

/// <summary>A worker as it stands at the moment it was read.</summary>
/// <param name="Load"><paramref name="RunningJobs"/> / <paramref name="MaxProcesses"/>.</param>
/// <param name="Available">Whether the next dispatch could be assigned to it.</param>
public sealed record WorkerInfo(
    string Id,
    string AgentId,
    int MaxProcesses,
    double LoadThreshold,
    bool Draining,
    int RunningJobs,
    double Load,
    bool Available,
    string? ParticipantName = null);
