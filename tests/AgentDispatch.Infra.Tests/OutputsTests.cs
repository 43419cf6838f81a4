using System.Text.RegularExpressions;
using AgentDispatch.Infra.Tests.Arm;

namespace AgentDispatch.Infra.Tests;

/// <summary>
/// Outputs end up in azd's .env file and in the deployment history: names and addresses only, never
/// a key, a connection string or a secret; and nothing in the template asks Azure for keys.
/// </summary>
public sealed partial class OutputsTests
{
    private readonly InfraDeployment _deployment = InfraDeployment.Default();

    [Fact]
    public void NoOutput_OfAnyTemplate_IsNamedLikeASecret()
        => Assert.All(_deployment.Main.AllScopes(), scope =>
            Assert.All(scope.OutputNames, name => Assert.DoesNotMatch(SecretLikeName(), name)));

    [Fact]
    public void NoOutput_OfAnyTemplate_IsSecureOrCarriesAConnectionString()
        => Assert.All(_deployment.Main.AllScopes(), scope =>
            Assert.All(scope.OutputNames, name =>
            {
                var type = (string)scope.Template["outputs"]![name]!["type"]!;
                Assert.DoesNotContain("secure", type, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotMatch(SecretLikeName(), ArmValue.Render(scope.Output(name)));
            }));

    [Fact]
    public void Template_CallsNoListFunction()
        => Assert.DoesNotMatch(ListFunction(), CompiledTemplate.Text);

    [Theory]
    [InlineData("AZURE_FUNCTION_APP_NAME")]
    [InlineData("AZURE_FUNCTION_APP_URL")]
    [InlineData("AZURE_KEY_VAULT_NAME")]
    [InlineData("AZURE_KEY_VAULT_URI")]
    [InlineData("AZURE_STORAGE_ACCOUNT_NAME")]
    [InlineData("AZURE_APP_IDENTITY_CLIENT_ID")]
    [InlineData("AZURE_RESOURCE_GROUP")]
    public void MainTemplate_OutputsWhatTheDeployGuideUses(string output)
        => Assert.Contains(output, _deployment.Main.OutputNames);

    [Fact]
    public void AppUrl_IsHttpsOnTheAppsHostName()
        => Assert.Equal(
            new RuntimeValue("https://" + ArmValue.Text(InfraDeployment.RuntimeProperty(_deployment.FunctionApp, "defaultHostName"))),
            _deployment.Main.Output("AZURE_FUNCTION_APP_URL"));

    [Fact]
    public void ResourceGroup_IsRgDashEnvironmentName()
        => Assert.Equal("rg-test", InfraDeployment.NameOf(_deployment.Single("Microsoft.Resources/resourceGroups")));

    // "Key" alone, not the "Key" of "KeyVault" / "KEY_VAULT".
    [GeneratedRegex("(?i)(secret|password|connection_?string|token|credential|(?<![a-z])sas(?![a-z])|key(?!_?vault))")]
    private static partial Regex SecretLikeName();

    [GeneratedRegex(@"\blist[A-Za-z]*\(")]
    private static partial Regex ListFunction();
}
