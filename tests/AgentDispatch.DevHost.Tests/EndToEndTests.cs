using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.Testing;

namespace AgentDispatch.DevHost.Tests;

/// <summary>
/// What a newcomer does after <c>dotnet run --project src/AgentDispatch.DevHost</c>: post the request
/// from VideoSDK's dispatch page and get an agent assigned by the emulator, all over loopback HTTP.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class EndToEndTests(StorageFixture storage)
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task DocumentedExample_GetsTheDocumentedSuccessBody()
    {
        await using var host = await RunningDevHost.StartAsync(storage);

        using var response = await host.Client.PostAsync("api/dispatch", Json(VideoSdkExamples.DispatchRequestJson));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(VideoSdkExamples.SuccessResponseJson), JsonNode.Parse(await response.Content.ReadAsStringAsync())));
        var received = Assert.Single(host.Emulator!.State.Dispatches);
        Assert.Equal(DevHostApplication.EmulatorToken, received.Authorization);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(VideoSdkExamples.DispatchRequestJson), JsonNode.Parse(received.Body)));
    }

    [Fact]
    public async Task SelfHostedAgent_IsAssignedToAWorker()
    {
        await using var host = await RunningDevHost.StartAsync(storage);

        using var response = await host.Client.PostAsync("api/dispatch", Json("""{"meetingId":"abcd-efgh-ijkl","agentId":"MyAgent"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("default", Assert.Single(host.Emulator!.State.Dispatches).WorkerId);
    }

    [Fact]
    public async Task BadBody_Is400AndTheEmulatorReceivesNothing()
    {
        await using var host = await RunningDevHost.StartAsync(storage);

        using var response = await host.Client.PostAsync("api/dispatch", Json("""{"meetingId":"xxxx-xxxx-xxxx"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("is required.", (string)problem["errors"]!["agentId"]![0]!);
        Assert.Empty(host.Emulator!.State.Dispatches);
    }

    [Fact]
    public async Task EmulatorOutOfWorkers_IsA503WithRetryAfter()
    {
        await using var host = await RunningDevHost.StartAsync(storage);
        host.Emulator!.State.ClearWorkers();
        host.Emulator.State.RegisterWorker(new AgentDispatch.VideoSdkEmulator.Workers.WorkerRegistration("busy-agent", Draining: true));

        using var response = await host.Client.PostAsync("api/dispatch", Json("""{"meetingId":"m-1","agentId":"busy-agent"}"""));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal("capacity", (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["outcome"]!);
    }

    [Fact]
    public async Task Health_SaysWhichTokenSourceAndBaseUrl()
    {
        await using var host = await RunningDevHost.StartAsync(storage);

        var health = JsonNode.Parse(await host.Client.GetStringAsync("api/health"))!;

        // Health names the kind of source only (it is anonymous): the placeholder token is an app setting.
        Assert.Equal(AgentDispatch.Auth.AppSettingTokenSource.SourceKind, (string)health["tokenSource"]!);
        Assert.Equal(host.Emulator!.BaseAddress.AbsoluteUri, (string)health["videoSdkBaseUrl"]!);
    }

    [Fact]
    public async Task ConfiguredBaseUrl_IsCalledInsteadOfAnEmulator()
    {
        await using var videoSdk = await LoopbackServer.StartAsync(LoopbackServer.Answer(200, VideoSdkExamples.SuccessResponseJson));
        await using var host = await RunningDevHost.StartAsync(storage, $"--VideoSdk:BaseUrl={videoSdk.BaseAddress}", "--VideoSdk:AuthToken=configured-token");

        using var response = await host.Client.PostAsync("api/dispatch", Json(VideoSdkExamples.DispatchRequestJson));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(host.Emulator);
        Assert.Equal("configured-token", Assert.Single(videoSdk.Requests).Headers["Authorization"]);
    }

    [Fact]
    public async Task Stop_StopsTheEmulatorItStarted()
    {
        var host = await RunningDevHost.StartAsync(storage);
        var emulator = host.Emulator!.BaseAddress;

        await host.DisposeAsync();

        using var client = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri(emulator, "_emulator/health")));
    }
}
