using AgentDispatch.Infra.Tests.Arm;

namespace AgentDispatch.Infra.Tests;

/// <summary>Application Insights on a Log Analytics workspace, both accepting Microsoft Entra tokens only.</summary>
public sealed class MonitoringTests
{
    private readonly InfraDeployment _deployment = InfraDeployment.Default();

    [Fact]
    public void ApplicationInsights_HasLocalAuthOffAndLogsToTheWorkspace()
    {
        var appInsights = _deployment.ApplicationInsights;
        var workspace = _deployment.Single("Microsoft.OperationalInsights/workspaces");

        Assert.Equal(true, appInsights.Get("properties.DisableLocalAuth"));
        Assert.Equal(InfraDeployment.IdOf(workspace), appInsights.Get("properties.WorkspaceResourceId"));
    }

    [Fact]
    public void Workspace_HasLocalAuthOff()
        => Assert.Equal(true, _deployment.Single("Microsoft.OperationalInsights/workspaces").Get("properties.features.disableLocalAuth"));

    [Fact]
    public void FunctionApp_ReportsToTheDeployedApplicationInsights()
    {
        var connectionString = Assert.IsType<RuntimeValue>(_deployment.AppSettings["APPLICATIONINSIGHTS_CONNECTION_STRING"], exactMatch: false);

        Assert.Equal(InfraDeployment.RuntimeProperty(_deployment.ApplicationInsights, "ConnectionString"), connectionString);
    }
}
