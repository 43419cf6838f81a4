using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using AgentDispatch.Auth;
using AgentDispatch.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Functions.Health;

/// <summary>
/// <c>GET /api/health</c>: liveness, and which kind of token source and which VideoSDK URL are in
/// use. It is anonymous, so it names no vault, secret or setting value, reads no secret and
/// contacts nothing: probing it costs nothing.
/// </summary>
public sealed class HealthFunction(IVideoSdkTokenProvider tokens, IOptions<VideoSdkOptions> videoSdk)
{
    private static readonly string Version =
        typeof(HealthFunction).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    [Function(nameof(Health))]
    public IResult Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request)
        => TypedResults.Json(
            new HealthReport("ok", tokens.SourceKind, videoSdk.Value.BaseUrl.AbsoluteUri, Version),
            FunctionsJsonContext.Default.HealthReport);
}

public sealed record HealthReport(string Status, string TokenSource, string VideoSdkBaseUrl, string Version);


