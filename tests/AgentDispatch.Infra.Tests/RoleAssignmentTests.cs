using AgentDispatch.Infra.Tests.Arm;

namespace AgentDispatch.Infra.Tests;

/// <summary>Least privilege: the app's identity gets exactly the data roles it uses, each on the one resource it is about.</summary>
public sealed class RoleAssignmentTests
{
    // Built-in role definition ids (the same in every subscription).
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    private const string KeyVaultSecretsOfficer = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";

    private readonly InfraDeployment _deployment = InfraDeployment.Default();

    public static TheoryData<string, string> AppRoles => new()
    {
        { StorageBlobDataOwner, "Microsoft.Storage/storageAccounts" },
        { StorageQueueDataContributor, "Microsoft.Storage/storageAccounts" },
        { StorageTableDataContributor, "Microsoft.Storage/storageAccounts" },
        { KeyVaultSecretsUser, "Microsoft.KeyVault/vaults" },
        { MonitoringMetricsPublisher, "Microsoft.Insights/components" },
    };

    [Fact]
    public void AppIdentity_GetsExactlyTheDataRolesItUses()
    {
        var roles = _deployment.RoleAssignmentsTo(_deployment.IdentityPrincipalId).Select(InfraDeployment.RoleOf);

        Assert.Equal(
            new[] { StorageBlobDataOwner, StorageQueueDataContributor, StorageTableDataContributor, KeyVaultSecretsUser, MonitoringMetricsPublisher }.Order(StringComparer.Ordinal),
            roles.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(AppRoles))]
    public void AppRole_IsAssignedOnTheResourceItIsAbout(string role, string scopeType)
    {
        var assignment = Assert.Single(_deployment.RoleAssignmentsTo(_deployment.IdentityPrincipalId), a => InfraDeployment.RoleOf(a) == role);
        var resource = _deployment.Single(scopeType);

        Assert.Equal(InfraDeployment.IdOf(resource), assignment.Get("scope"));
        Assert.Equal("ServicePrincipal", assignment.Get("properties.principalType"));
    }

    [Fact]
    public void EveryRoleAssignment_IsNamedGuidOfScopePrincipalAndRole()
    {
        var deployment = InfraDeployment.With("principalId", "11111111-2222-3333-4444-555555555555");
        var assignments = deployment.OfType(InfraDeployment.RoleAssignmentType).ToList();

        Assert.NotEmpty(assignments);
        Assert.All(assignments, assignment =>
        {
            var name = Assert.IsType<GuidValue>(assignment.Name);
            var roleDefinition = Assert.IsType<ResourceIdValue>(assignment.Get("properties.roleDefinitionId"));
            Assert.Equal([assignment.Get("scope"), assignment.Get("properties.principalId"), roleDefinition.Names[^1]], name.Parts);
        });
    }

    [Fact]
    public void NoRoleAssignment_IsOnASubscriptionOrResourceGroup()
        => Assert.All(_deployment.OfType(InfraDeployment.RoleAssignmentType), assignment =>
        {
            var scope = Assert.IsType<ResourceIdValue>(assignment.Get("scope"));
            Assert.NotEqual("Microsoft.Resources/resourceGroups", scope.Type);
        });

    [Fact]
    public void Deployer_GetsNoRole_WhenNoPrincipalIsGiven()
    {
        var others = _deployment.OfType(InfraDeployment.RoleAssignmentType)
            .Where(a => !Equals(a.Get("properties.principalId"), _deployment.IdentityPrincipalId));

        Assert.Empty(others);
    }

    [Fact]
    public void Deployer_GetsSecretsOfficerOnTheVaultOnly_WhenAPrincipalIsGiven()
    {
        const string Deployer = "11111111-2222-3333-4444-555555555555";
        var deployment = InfraDeployment.With("principalId", Deployer);

        var assignment = Assert.Single(deployment.RoleAssignmentsTo(Deployer));

        Assert.Equal(KeyVaultSecretsOfficer, InfraDeployment.RoleOf(assignment));
        Assert.Equal(InfraDeployment.IdOf(deployment.KeyVault), assignment.Get("scope"));
        Assert.Equal("User", assignment.Get("properties.principalType"));
    }
}
