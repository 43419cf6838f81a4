using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentDispatch.Configuration;
using AgentDispatch.Testing;

namespace AgentDispatch.Infra.Tests;

/// <summary>
/// The catalogue of trigger settings (<see cref="TriggerSettings"/>) against everything else that names
/// them: the trigger attributes, local.settings.sample.json and the deployed Function App.
/// </summary>
public sealed partial class TriggerSettingsCatalogueTests
{
    private readonly InfraDeployment _deployment = InfraDeployment.Default();

    public static TheoryData<string> Catalogue => new(TriggerSettings.All.Select(s => s.Name));

    [Fact]
    public void TheCatalogue_IsExactlyTheSettingsTheTriggersBind()
    {
        var functions = Path.Combine(RepositoryFiles.Root, "src", "AgentDispatch.Functions");
        var bound = Directory.EnumerateFiles(functions, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .SelectMany(f => SettingInBindingExpression().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);

        Assert.Equal(bound.Order(StringComparer.Ordinal), TriggerSettings.All.Select(s => s.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Catalogue))]
    public void TheSample_HasTheDefault(string name)
    {
        var sample = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryFiles.Root, "local.settings.sample.json")))!["Values"]!.AsObject();

        Assert.Equal(TriggerSettings.Defaults[name], (string?)sample[name]);
    }

    [Theory]
    [MemberData(nameof(Catalogue))]
    public void TheDeployment_HasTheDefault_AndItFollowsTheRule(string name)
    {
        var setting = TriggerSettings.All.Single(s => s.Name == name);

        Assert.True(_deployment.AppSettings.TryGetValue(name, out var value), $"infra/main.bicep does not set {name}.");
        Assert.Equal(setting.Default, value as string);
        Assert.Null(setting.Check(value as string));
        Assert.Contains(name, AppSettings.RequiredInAzure);
    }

    [Theory]
    [MemberData(nameof(Catalogue))]
    public void TheDocs_ListItWithItsDefault(string name)
    {
        var docs = File.ReadAllLines(Path.Combine(RepositoryFiles.Root, "docs", "configuration.md"));

        Assert.Contains(docs, line => line.StartsWith($"| `{name}` | `{TriggerSettings.Defaults[name]}` |", StringComparison.Ordinal));
    }

    [GeneratedRegex("\"%([A-Za-z0-9_]+)%\"")]
    private static partial Regex SettingInBindingExpression();
}
