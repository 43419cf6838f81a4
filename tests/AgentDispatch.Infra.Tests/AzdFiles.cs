using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentDispatch.Testing;

namespace AgentDispatch.Infra.Tests;

/// <summary>The Azure Developer CLI's files: <c>azure.yaml</c>, <c>infra/main.parameters.json</c>, <c>infra/bicepconfig.json</c>.</summary>
internal static partial class AzdFiles
{
    private static readonly Lazy<IReadOnlyList<string>> AzureYamlLines =
        new(() => File.ReadAllLines(Path.Combine(RepositoryFiles.Root, "azure.yaml")));

    /// <summary>The one service in azure.yaml (the Functions app).</summary>
    public static string ServiceName
    {
        get
        {
            var services = AzureYamlLines.Value.ToList().FindIndex(l => l == "services:");
            Assert.True(services >= 0, "azure.yaml has no services: section.");
            var match = ServiceKey().Match(AzureYamlLines.Value[services + 1]);
            Assert.True(match.Success, "azure.yaml's services: section does not start with a service name.");
            return match.Groups[1].Value;
        }
    }

    /// <summary>A "key: value" of the service in azure.yaml, e.g. project, language, host.</summary>
    public static string ServiceProperty(string key)
    {
        var line = AzureYamlLines.Value.SkipWhile(l => l != "services:").Skip(2)
            .TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal))
            .SingleOrDefault(l => l.TrimStart().StartsWith(key + ":", StringComparison.Ordinal));
        Assert.NotNull(line);
        return line.Split(':', 2)[1].Trim();
    }

    /// <summary>A "key: value" of the infra section of azure.yaml.</summary>
    public static string InfraProperty(string key)
    {
        var line = AzureYamlLines.Value.SkipWhile(l => l != "infra:").Skip(1)
            .TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal))
            .SingleOrDefault(l => l.TrimStart().StartsWith(key + ":", StringComparison.Ordinal));
        Assert.NotNull(line);
        return line.Split(':', 2)[1].Trim();
    }

    public static JsonObject MainParameters()
        => JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryFiles.Root, "infra", "main.parameters.json")))!["parameters"]!.AsObject();

    public static JsonObject BicepConfig()
        => JsonNode.Parse(
            File.ReadAllText(Path.Combine(RepositoryFiles.Root, "infra", "bicepconfig.json")),
            documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!.AsObject();

    [GeneratedRegex(@"^  ([A-Za-z0-9_-]+):\s*$")]
    private static partial Regex ServiceKey();
}
