using System.Text.Json;

namespace AgentDispatch.DevHost.Settings;

/// <summary>
/// Settings the way <c>func start</c> reads them: the <c>Values</c> of <c>local.settings.json</c>
/// (names with <c>__</c> or <c>:</c>), then environment variables, then the command line.
/// </summary>
public static class LocalSettings
{
    public const string FileName = "local.settings.json";

    /// <summary>
    /// The folder holding the app's <c>host.json</c>: the current directory or the nearest one above
    /// it, so <c>dotnet run --project src/AgentDispatch.DevHost</c> from the repository root finds it.
    /// </summary>
    public static string FindAppRoot(string startDirectory)
    {
        for (var dir = new DirectoryInfo(startDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, HostJson.FileName)))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No {HostJson.FileName} was found in {startDirectory} or any folder above it. Run the dev host from the repository, or pass --DevHost:AppRoot=<folder with host.json>.");
    }

    /// <summary>The <c>Values</c> of <c>local.settings.json</c> in <paramref name="appRoot"/>, as configuration keys; empty when there is no file.</summary>
    public static IReadOnlyDictionary<string, string?> ReadValues(string appRoot)
    {
        var path = Path.Combine(appRoot, FileName);
        if (!File.Exists(path))
        {
            return new Dictionary<string, string?>();
        }

        using var stream = File.OpenRead(path);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"{path} is not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            if (document.RootElement.TryGetProperty("Values", out var section) && section.ValueKind == JsonValueKind.Object)
            {
                foreach (var setting in section.EnumerateObject())
                {
                    // Azure app settings spell sections with "__"; configuration spells them with ":".
                    values[setting.Name.Replace("__", ":", StringComparison.Ordinal)] = setting.Value.ValueKind switch
                    {
                        JsonValueKind.String => setting.Value.GetString(),
                        JsonValueKind.Null => null,
                        _ => setting.Value.GetRawText(),
                    };
                }
            }

            return values;
        }
    }
}
