using AgentDispatch.Infra.Tests.Arm;

namespace AgentDispatch.Infra.Tests;

/// <summary>The vault: Azure RBAC only, soft delete and purge protection, and no secret written by the template.</summary>
public sealed class KeyVaultTests
{
    private readonly InfraDeployment _deployment = InfraDeployment.Default();

    [Fact]
    public void Vault_UsesRbacOnlyWithSoftDeleteAndPurgeProtection()
    {
        var vault = _deployment.KeyVault;

        Assert.Equal(true, vault.Get("properties.enableRbacAuthorization"));
        Assert.Equal(true, vault.Get("properties.enableSoftDelete"));
        Assert.Equal(true, vault.Get("properties.enablePurgeProtection"));
        Assert.True(vault.Get("properties.accessPolicies") is null or List<object?> { Count: 0 }, "The vault has access policies: use role assignments.");
        Assert.Equal(ArmEvaluator.TestTenantId, vault.Get("properties.tenantId"));
    }

    [Fact]
    public void Vault_IsNotOpenToOtherAzureServices()
    {
        var vault = _deployment.KeyVault;

        Assert.Equal(false, vault.Get("properties.enabledForDeployment"));
        Assert.Equal(false, vault.Get("properties.enabledForTemplateDeployment"));
        Assert.Equal(false, vault.Get("properties.enabledForDiskEncryption"));
    }

    [Theory]
    [InlineData("agd")]
    [InlineData("Longest")]
    public void VaultName_FitsKeyVaultRules(string namePrefix)
    {
        var name = InfraDeployment.NameOf(InfraDeployment.With("namePrefix", namePrefix).KeyVault);

        Assert.InRange(name.Length, 3, 24);
        Assert.True(char.IsAsciiLetter(name[0]), name);
        Assert.All(name, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c == '-', $"'{c}' in the vault name {name}"));
    }

    [Fact]
    public void Template_WritesNoSecretAndTakesNoSecretParameter()
    {
        Assert.Empty(_deployment.OfType("Microsoft.KeyVault/vaults/secrets"));
        Assert.All(_deployment.Main.AllScopes(), scope =>
        {
            var parameters = scope.Template["parameters"]?.AsObject() ?? [];
            Assert.All(parameters, p => Assert.DoesNotContain("secure", (string)p.Value!["type"]!, StringComparison.OrdinalIgnoreCase));
        });
    }
}
