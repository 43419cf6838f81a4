namespace AgentDispatch.VideoSdkEmulator.Deployments;

/// <summary>A deployed version of a dashboard-managed agent; either part may be <c>*</c>.</summary>
public sealed record Deployment(string AgentId, string VersionId)
{
    public const string Any = "*";

    /// <summary>Everything counts as deployed: the default, so a demo passing a versionId works.</summary>
    public static Deployment Everything { get; } = new(Any, Any);

    internal bool Matches(string agentId, string versionId) =>
        (AgentId == Any || string.Equals(AgentId, agentId, StringComparison.Ordinal))
        && (VersionId == Any || string.Equals(VersionId, versionId, StringComparison.Ordinal));
}
