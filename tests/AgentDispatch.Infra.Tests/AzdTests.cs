using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentDispatch.Infra.Tests.Arm;
using AgentDispatch.Testing;

namespace AgentDispatch.Infra.Tests;

/// <summary>The files around the template: azure.yaml, main.parameters.json, bicepconfig.json, and no registry modules.</summary>
public sealed partial class AzdTests
{
    /// <summary>Rules that are off by default and stay off; bicepconfig.json says why.</summary>
    private static readonly string[] RulesLeftOff = ["use-recent-api-versions", "use-recent-module-versions", "what-if-short-circuiting"];

    [Fact]
    public void AzureYaml_DeploysTheFunctionsProjectAsAFunctionApp()
    {
        var project = AzdFiles.ServiceProperty("project");

        Assert.Equal("api", AzdFiles.ServiceName);
        Assert.Equal("dotnet", AzdFiles.ServiceProperty("language"));
        Assert.Equal("function", AzdFiles.ServiceProperty("host"));
        Assert.True(File.Exists(Path.Combine(RepositoryFiles.Root, project, "AgentDispatch.Functions.csproj")), project);
        Assert.Equal("bicep", AzdFiles.InfraProperty("provider"));
        Assert.Equal("infra", AzdFiles.InfraProperty("path"));
        Assert.Equal("main", AzdFiles.InfraProperty("module"));
    }

    [Fact]
    public void MainParameters_GiveOnlyParametersTheTemplateHas_TheRequiredOnesFromAzd()
    {
        var parameters = AzdFiles.MainParameters();
        var declared = CompiledTemplate.Deploy().Template["parameters"]!.AsObject();

        Assert.All(parameters, p => Assert.True(declared.ContainsKey(p.Key), $"main.parameters.json gives {p.Key}, which main.bicep does not declare."));
        Assert.Equal("${AZURE_ENV_NAME}", (string)parameters["environmentName"]!["value"]!);
        Assert.Equal("${AZURE_LOCATION}", (string)parameters["location"]!["value"]!);
        Assert.Equal("${AZURE_PRINCIPAL_ID}", (string)parameters["principalId"]!["value"]!);
        var required = declared.Where(p => p.Value is JsonObject o && !o.ContainsKey("defaultValue")).Select(p => p.Key);
        Assert.All(required, name => Assert.True(parameters.ContainsKey(name), $"main.bicep requires {name} but main.parameters.json does not give it."));
    }

    [Fact]
    public void BicepFiles_UseNoRegistryModules()
    {
        var files = Directory.EnumerateFiles(CompiledTemplate.InfraDirectory, "*.bicep", SearchOption.AllDirectories).ToList();

        Assert.NotEmpty(files);
        Assert.All(files, file => Assert.DoesNotMatch(RegistryModule(), File.ReadAllText(file)));
    }

    [Fact]
    public void BicepConfig_MakesEveryLinterRuleAnError()
    {
        var rules = AzdFiles.BicepConfig()["analyzers"]!["core"]!["rules"]!.AsObject();

        Assert.NotEqual(false, (bool?)AzdFiles.BicepConfig()["analyzers"]!["core"]!["enabled"]);
        Assert.True(rules.Count > 30, "bicepconfig.json lists too few rules.");
        Assert.All(rules, rule => Assert.Equal(
            RulesLeftOff.Contains(rule.Key) ? "off" : "error",
            (string)rule.Value!["level"]!));
    }

    [GeneratedRegex(@"(?m)^\s*module\s+\w+\s+'(br|ts)[:/]")]
    private static partial Regex RegistryModule();
}
