using System.Text.Json;

namespace AgentDispatch.DevHost.Settings;

/// <summary>The parts of <c>host.json</c> the dev host honours, so local runs match the Functions host.</summary>
public sealed record HostJson(string RoutePrefix)
{
    public const string FileName = "host.json";

    public static HostJson Read(string appRoot)
    {
        var path = Path.Combine(appRoot, FileName);
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });

        var routePrefix = "api";
        if (document.RootElement.TryGetProperty("extensions", out var extensions)
            && extensions.TryGetProperty("http", out var http)
            && http.TryGetProperty("routePrefix", out var prefix)
            && prefix.ValueKind == JsonValueKind.String)
        {
            routePrefix = prefix.GetString()!.Trim('/');
        }

        return new HostJson(routePrefix);
    }
}
