namespace AgentDispatch.VideoSdkEmulator.Deployments;

/// <summary>Replaced whole, read without a lock: readers see either the old or the new table.</summary>
internal sealed class DeploymentTable
{
    private volatile Deployment[] _deployments = [Deployment.Everything];

    public IReadOnlyList<Deployment> All => _deployments;

    public void Set(IEnumerable<Deployment> deployments)
    {
        ArgumentNullException.ThrowIfNull(deployments);
        var table = deployments.ToArray();
        foreach (var deployment in table)
        {
            if (deployment is null || string.IsNullOrWhiteSpace(deployment.AgentId) || string.IsNullOrWhiteSpace(deployment.VersionId))
            {
                throw new ArgumentException("Every deployment needs a non-blank agentId and versionId (\"*\" matches any).", nameof(deployments));
            }
        }

        _deployments = table;
    }

    public void Reset() => _deployments = [Deployment.Everything];

    public bool IsDeployed(string agentId, string versionId)
    {
        foreach (var deployment in _deployments)
        {
            if (deployment.Matches(agentId, versionId))
            {
                return true;
            }
        }

        return false;
    }
}
