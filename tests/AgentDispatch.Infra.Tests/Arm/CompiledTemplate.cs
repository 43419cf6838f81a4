using System.Diagnostics;
using System.Text.Json.Nodes;
using AgentDispatch.Testing;

namespace AgentDispatch.Infra.Tests.Arm;

/// <summary>
/// The ARM JSON that <c>infra/build.sh</c> compiles from <c>infra/main.bicep</c> (to
/// <c>.tools/infra/main.json</c>). When it is missing, or older than any file under <c>infra/</c>
/// that goes into it, the script is run first (it restores the Bicep CLI from NuGet on first use),
/// so <c>dotnet test</c> works on a fresh clone and never reads a stale template.
/// </summary>
internal static class CompiledTemplate
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);
    private static readonly Lazy<string> Json = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string InfraDirectory => Path.Combine(RepositoryFiles.Root, "infra");

    public static string MainJsonPath => Path.Combine(RepositoryFiles.Root, ".tools", "infra", "main.json");

    /// <summary>The compiled main template as JSON text, for checks on what it contains anywhere.</summary>
    public static string Text => Json.Value;

    /// <summary>The values every deployment must give (no defaults in main.bicep): azd supplies them.</summary>
    public static IReadOnlyDictionary<string, object?> RequiredParameters { get; } = new Dictionary<string, object?>
    {
        ["environmentName"] = "test",
        ["location"] = "westeurope",
    };

    /// <summary>The main template with the parameter values a deployment would give: the required ones, then <paramref name="parameters"/>.</summary>
    public static ArmTemplateScope Deploy(IReadOnlyDictionary<string, object?>? parameters = null)
    {
        var values = new Dictionary<string, object?>(RequiredParameters, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in parameters ?? new Dictionary<string, object?>())
        {
            values[name] = value;
        }

        var supplied = values.ToDictionary(p => p.Key, p => (Func<object?>)(() => p.Value), StringComparer.OrdinalIgnoreCase);
        // A fresh parse each time: JsonNode trees are not safe to read from parallel tests.
        return new ArmTemplateScope("main", JsonNode.Parse(Json.Value)!.AsObject(), null, supplied);
    }

    private static string Build()
    {
        if (IsStale())
        {
            RunBuildScript();
        }

        return File.ReadAllText(MainJsonPath);
    }

    private static bool IsStale()
    {
        if (!File.Exists(MainJsonPath))
        {
            return true;
        }

        var compiledAt = File.GetLastWriteTimeUtc(MainJsonPath);
        var inputs = Directory.EnumerateFiles(InfraDirectory, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".bicep", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
            .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal));
        return inputs.Any(f => File.GetLastWriteTimeUtc(f) > compiledAt);
    }

    private static void RunBuildScript()
    {
        var script = Path.Combine(InfraDirectory, "build.sh");
        var start = new ProcessStartInfo("bash")
        {
            ArgumentList = { script },
            WorkingDirectory = RepositoryFiles.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // The test host may carry MSBuild's variables from `dotnet test`; the script's own
        // `dotnet restore` must not inherit them.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        using var process = Process.Start(start)
            ?? throw new InvalidOperationException("Could not start bash to run infra/build.sh.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(BuildTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"infra/build.sh did not finish within {BuildTimeout}.");
        }

        if (process.ExitCode != 0 || !File.Exists(MainJsonPath))
        {
            throw new InvalidOperationException(
                $"infra/build.sh (which compiles and lints the Bicep templates) failed with exit code {process.ExitCode}; "
                + "the infrastructure tests need its output .tools/infra/main.json. Its output:"
                + Environment.NewLine + stdout.Result + stderr.Result);
        }
    }
}
