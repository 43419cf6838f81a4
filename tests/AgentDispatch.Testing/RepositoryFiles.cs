using System.Reflection;
using System.Text.Json.Nodes;

namespace AgentDispatch.Testing;

/// <summary>Files of the repository the tests read: the build's outputs and the checked-in settings.</summary>
public static class RepositoryFiles
{
    /// <summary>The folder holding Functions.sln, found above the running test assembly.</summary>
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Functions.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("Functions.sln was not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>
    /// The <c>functions.metadata</c> the Functions SDK wrote when it built the app in the same
    /// configuration as <paramref name="testAssembly"/>: what the Functions host reads to bind triggers.
    /// </summary>
    public static JsonArray FunctionsMetadata(Assembly testAssembly)
    {
        ArgumentNullException.ThrowIfNull(testAssembly);
        var configuration = testAssembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var path = Path.Combine(Root, "src", "AgentDispatch.Functions", "bin", configuration, "net10.0", "functions.metadata");
        return JsonNode.Parse(File.ReadAllText(path))!.AsArray();
    }
}
