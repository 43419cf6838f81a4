using AgentDispatch.Infra.Tests.Arm;

namespace AgentDispatch.Infra.Tests;

/// <summary>The Function App and its plan: Flex Consumption, .NET 10 isolated, the user-assigned identity, HTTPS only.</summary>
public sealed class FunctionAppTests
{
    private readonly InfraDeployment _deployment = InfraDeployment.Default();

    [Fact]
    public void Plan_IsFlexConsumptionOnLinux()
    {
        var plan = _deployment.Single("Microsoft.Web/serverfarms");

        Assert.Equal("FC1", plan.Get("sku.name"));
        Assert.Equal("FlexConsumption", plan.Get("sku.tier"));
        Assert.Equal(true, plan.Get("properties.reserved"));
    }

    [Fact]
    public void Site_IsALinuxFunctionAppOnThePlan()
    {
        var site = _deployment.FunctionApp;
        var plan = _deployment.Single("Microsoft.Web/serverfarms");

        Assert.Equal("functionapp,linux", site.Get("kind"));
        Assert.Equal(InfraDeployment.IdOf(plan), site.Get("properties.serverFarmId"));
    }

    [Fact]
    public void Site_RunsDotnetIsolated10()
    {
        var site = _deployment.FunctionApp;

        Assert.Equal("dotnet-isolated", site.Get("properties.functionAppConfig.runtime.name"));
        Assert.Equal("10.0", site.Get("properties.functionAppConfig.runtime.version"));
    }

    [Fact]
    public void Site_RunsAsTheUserAssignedIdentityOnly()
    {
        var site = _deployment.FunctionApp;

        Assert.Equal("UserAssigned", site.Get("identity.type"));
        var identities = Assert.IsType<ArmObject>(site.Get("identity.userAssignedIdentities"));
        Assert.Equal(InfraDeployment.IdOf(_deployment.Identity).Text, Assert.Single(identities).Key);
        Assert.Equal(InfraDeployment.IdOf(_deployment.Identity), site.Get("properties.keyVaultReferenceIdentity"));
    }

    [Fact]
    public void Site_AcceptsOnlyHttpsWithTls12OrLater()
    {
        var site = _deployment.FunctionApp;

        Assert.Equal(true, site.Get("properties.httpsOnly"));
        Assert.Equal("1.2", site.Get("properties.siteConfig.minTlsVersion"));
        Assert.Equal("1.2", site.Get("properties.siteConfig.scmMinTlsVersion"));
    }

    [Fact]
    public void Site_AllowsNoFtpAndNoBasicAuthPublishing()
    {
        var site = _deployment.FunctionApp;
        var policies = _deployment.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies").ToList();

        // A Flex Consumption site has no FTP endpoint and refuses siteConfig.ftpsState; if it is ever
        // set, it must be off.
        Assert.Contains(site.Get("properties.siteConfig.ftpsState"), new object?[] { null, "Disabled" });
        Assert.Equal(["ftp", "scm"], policies.Select(InfraDeployment.ShortNameOf).Order(StringComparer.Ordinal));
        Assert.All(policies, p =>
        {
            Assert.Equal(false, p.Get("properties.allow"));
            Assert.Equal(InfraDeployment.NameOf(site) + "/" + InfraDeployment.ShortNameOf(p), InfraDeployment.NameOf(p));
        });
    }

    [Fact]
    public void Site_DeploysItsPackageFromAPrivateBlobContainerAsTheIdentity()
    {
        var site = _deployment.FunctionApp;
        var container = _deployment.Single("Microsoft.Storage/storageAccounts/blobServices/containers");
        var blobEndpoint = InfraDeployment.RuntimeProperty(_deployment.StorageAccount, "primaryEndpoints.blob");

        Assert.Equal("blobContainer", site.Get("properties.functionAppConfig.deployment.storage.type"));
        Assert.Equal(
            ArmValue.Text(blobEndpoint) + InfraDeployment.ShortNameOf(container),
            Assert.IsAssignableFrom<RuntimeValue>(site.Get("properties.functionAppConfig.deployment.storage.value")).Text);
        Assert.Equal("None", container.Get("properties.publicAccess"));
        Assert.Equal("UserAssignedIdentity", site.Get("properties.functionAppConfig.deployment.storage.authentication.type"));
        Assert.Equal(InfraDeployment.IdOf(_deployment.Identity), site.Get("properties.functionAppConfig.deployment.storage.authentication.userAssignedIdentityResourceId"));
    }

    [Fact]
    public void Site_ScalesToTheDefaultLimitsWith2GBInstances()
    {
        var site = _deployment.FunctionApp;

        Assert.Equal(100L, site.Get("properties.functionAppConfig.scaleAndConcurrency.maximumInstanceCount"));
        Assert.Equal(2048L, site.Get("properties.functionAppConfig.scaleAndConcurrency.instanceMemoryMB"));
    }

    [Fact]
    public void Site_ScalesToTheInstanceLimitGiven()
    {
        var site = InfraDeployment.With("maximumInstanceCount", 7L).FunctionApp;

        Assert.Equal(7L, site.Get("properties.functionAppConfig.scaleAndConcurrency.maximumInstanceCount"));
    }

    [Fact]
    public void Site_IsTaggedWithTheAzdServiceNameOfAzureYaml()
    {
        var tags = Assert.IsType<ArmObject>(_deployment.FunctionApp.Get("tags"));

        Assert.Equal(AzdFiles.ServiceName, tags["azd-service-name"]);
        Assert.Equal("test", tags["azd-env-name"]);
    }
}
