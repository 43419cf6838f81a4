namespace AgentDispatch.VideoSdkEmulator.Workers;

/// <summary>
/// A self-hosted agent server as VideoSDK's Agents SDK registers it (<c>register=True</c>).
/// Defaults follow the SDK: <c>max_processes=10</c>, <c>load_threshold=0.75</c>.
/// </summary>
/// <param name="AgentId">The agent this worker serves, or <c>*</c> for any agent without a worker of its own.</param>
/// <param name="Id">Worker id; one is made up when omitted. Registering an existing id updates that worker.</param>
/// <param name="ParticipantName">The name its agents join rooms under; null for the dispatch's agentId.</param>
public sealed record WorkerRegistration(
    string AgentId,
    string? Id = null,
    int MaxProcesses = WorkerRegistration.DefaultMaxProcesses,
    double LoadThreshold = WorkerRegistration.DefaultLoadThreshold,
    bool Draining = false,
    string? ParticipantName = null)
{
    public const int DefaultMaxProcesses = 10;
    public const double DefaultLoadThreshold = 0.75;
    public const string AnyAgent = "*";
}
