using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentDispatch.VideoSdkEmulator.Tests.TestSupport;

/// <summary>A real emulator on a loopback port and a client pointed at it.</summary>
internal sealed class EmulatorHarness : IAsyncDisposable
{
    public const string Token = "test-token";
    public const string DispatchPath = "v2/agent/dispatch";

    private EmulatorHarness(RunningEmulator emulator)
    {
        Emulator = emulator;
        Http = new HttpClient { BaseAddress = emulator.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public RunningEmulator Emulator { get; }

    public EmulatorState State => Emulator.State;

    public HttpClient Http { get; }

    public static async Task<EmulatorHarness> StartAsync(EmulatorOptions? options = null, TimeProvider? timeProvider = null)
    {
        options ??= new EmulatorOptions();
        var emulator = timeProvider is null
            ? await VideoSdkEmulatorApp.StartAsync(options)
            : await VideoSdkEmulatorApp.StartAsync(options, timeProvider);
        return new EmulatorHarness(emulator);
    }

    public static string Body(string meetingId = "meeting-1", string agentId = "agent-1", string? versionId = null)
    {
        var body = new JsonObject { ["meetingId"] = meetingId, ["agentId"] = agentId };
        if (versionId is not null)
        {
            body["versionId"] = versionId;
        }

        return body.ToJsonString();
    }

    public async Task<HttpResponseMessage> DispatchAsync(string body, string? authorization = Token)
    {
        using var request = DispatchRequest(body, authorization);
        return await Http.SendAsync(request);
    }

    /// <summary>A dispatch request for any client; the Authorization header goes out exactly as given.</summary>
    public static HttpRequestMessage DispatchRequest(string body, string? authorization = Token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, DispatchPath)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return request;
    }

    public async Task<(int Status, JsonElement Body)> DispatchJsonAsync(string body, string? authorization = Token)
    {
        using var response = await DispatchAsync(body, authorization);
        return ((int)response.StatusCode, await ReadJsonAsync(response));
    }

    /// <summary>GET with the dispatch's Authorization header, as the /v2 routes want it.</summary>
    public async Task<(int Status, JsonElement Body)> GetJsonAsync(string path, string? authorization = Token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await Http.SendAsync(request);
        return ((int)response.StatusCode, await ReadJsonAsync(response));
    }

    /// <summary>POST of a JSON body, with the Authorization header when given.</summary>
    public async Task<(int Status, JsonElement Body)> PostJsonAsync(string path, string body, string? authorization = Token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await Http.SendAsync(request);
        return ((int)response.StatusCode, await ReadJsonAsync(response));
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Emulator.DisposeAsync();
    }
}
