using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.Testing;
using AgentDispatch.VideoSdkEmulator;
using AgentDispatch.VideoSdkEmulator.Workers;
using Azure.Storage.Queues;

namespace AgentDispatch.DevHost.Tests;

/// <summary>
/// Durable jobs end to end: dev hosts with their real queue and timer runners, Azurite, and one
/// VideoSDK emulator whose record is the count of agents actually dispatched.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class JobsEndToEndTests(StorageFixture storage) : IAsyncLifetime
{
    private readonly string _requests = AzuriteFixture.UniqueName("requests");
    private readonly string _wake = AzuriteFixture.UniqueName("wake");
    private readonly string _ledger = AzuriteFixture.UniqueName("ledger");
    private RunningEmulator _videoSdk = null!;
    private QueueClient _requestQueue = null!;

    public async Task InitializeAsync()
    {
        _videoSdk = await VideoSdkEmulatorApp.StartAsync(new EmulatorOptions());
        _requestQueue = new QueueClient(storage.ConnectionString, _requests);
        await _requestQueue.CreateIfNotExistsAsync();
    }

    public async Task DisposeAsync() => await _videoSdk.DisposeAsync();

    private Task<RunningDevHost> StartHostAsync(params string[] extra) => RunningDevHost.StartAsync(
        storage,
        [
            $"--VideoSdk:BaseUrl={_videoSdk.BaseAddress}",
            "--VideoSdk:AuthToken=e2e-token",
            $"--DISPATCH_REQUESTS_QUEUE={_requests}",
            $"--DISPATCH_WAKE_QUEUE={_wake}",
            $"--Jobs:LedgerTable={_ledger}",
            "--Jobs:RetryBaseDelay=00:00:00.300",
            "--Jobs:RetryMaxDelay=00:00:01",
            .. extra,
        ]);

    private async Task<int> WaitForDispatchesAsync(int expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_videoSdk.State.Dispatches.Count < expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        return _videoSdk.State.Dispatches.Count;
    }

    /// <summary>Waits until the request queue is empty and a little longer, for any straggler to be dispatched.</summary>
    private async Task DrainAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while ((await _requestQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        await Task.Delay(1500);
    }

    [Fact]
    public async Task QueueMessages_PlainAndBase64_AreEachDispatchedOnce()
    {
        await using var host = await StartHostAsync();

        await _requestQueue.SendMessageAsync("""{"meetingId":"e2e-plain","agentId":"a"}""");
        await _requestQueue.SendMessageAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"meetingId":"e2e-b64","agentId":"a"}""")));

        Assert.Equal(2, await WaitForDispatchesAsync(2, TimeSpan.FromSeconds(20)));
        Assert.Equal(["e2e-b64", "e2e-plain"], _videoSdk.State.Dispatches.Select(d => d.MeetingId).Order());
    }

    [Fact]
    public async Task DuplicateMessages_AcrossTwoProcessors_DispatchEachRequestOnce()
    {
        await using var first = await StartHostAsync();
        await using var second = await StartHostAsync();

        // 20 requests, each sent three times: redelivery, a producer's retry, and a copy.
        var sends = Enumerable.Range(0, 20).SelectMany(i => Enumerable.Repeat($$"""{"meetingId":"dup-{{i}}","agentId":"a"}""", 3)).ToList();
        await Parallel.ForEachAsync(sends, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (text, ct) => await _requestQueue.SendMessageAsync(text, ct));
        await DrainAsync(TimeSpan.FromSeconds(60));

        var meetings = _videoSdk.State.Dispatches.Select(d => d.MeetingId).ToList();
        Assert.Equal(20, meetings.Count);
        Assert.Equal(20, meetings.Distinct().Count());
    }

    [Fact]
    public async Task ScheduledJob_IsDispatchedWithinItsToleranceAndNotBefore()
    {
        await using var host = await StartHostAsync();
        var at = DateTimeOffset.UtcNow.AddSeconds(4);

        using var response = await host.Client.PostAsync("api/dispatches", new StringContent($$"""{"meetingId":"e2e-later","agentId":"a","dispatchAt":"{{at:O}}"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Empty(_videoSdk.State.Dispatches);

        Assert.Equal(1, await WaitForDispatchesAsync(1, TimeSpan.FromSeconds(20)));
        var lateness = _videoSdk.State.Dispatches[0].ReceivedAt - at;
        Assert.True(lateness >= TimeSpan.Zero, $"dispatched {-lateness.TotalMilliseconds:F0} ms early");
        Assert.True(lateness < TimeSpan.FromSeconds(3), $"dispatched {lateness.TotalMilliseconds:F0} ms late");

        var job = JsonNode.Parse(await host.Client.GetStringAsync(response.Headers.Location!.ToString().TrimStart('/')))!;
        Assert.Equal("assigned", (string)job["state"]!);
    }

    [Fact]
    public async Task CancelledBeforeDue_IsNeverDispatched()
    {
        await using var host = await StartHostAsync();
        using var created = await host.Client.PostAsync("api/dispatches", new StringContent(
            $$"""{"meetingId":"e2e-cancel","agentId":"a","dispatchAt":"{{DateTimeOffset.UtcNow.AddSeconds(2):O}}"}""", Encoding.UTF8, "application/json"));

        using var cancelled = await host.Client.DeleteAsync(created.Headers.Location!.ToString().TrimStart('/'));
        await Task.Delay(TimeSpan.FromSeconds(4));

        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Empty(_videoSdk.State.Dispatches);
    }

    [Fact]
    public async Task MalformedMessage_IsPoisonedAtOnceWithItsReason()
    {
        await using var host = await StartHostAsync();

        await _requestQueue.SendMessageAsync("""{"meetingId":"e2e-bad"}""");
        var poison = new QueueClient(storage.ConnectionString, _requests + "-poison");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!(await poison.ExistsAsync()).Value || (await poison.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "nothing reached the poison queue");
            await Task.Delay(200);
        }

        var poisoned = JsonNode.Parse((await poison.ReceiveMessageAsync()).Value.Body.ToString())!;
        Assert.Equal(1, (int)poisoned["dequeueCount"]!); // at once, not after five failures
        Assert.Equal("is required.", (string)poisoned["errors"]!["agentId"]![0]!);
        Assert.Empty(_videoSdk.State.Dispatches);
    }

    [Fact]
    public async Task CapacityShortage_IsRetriedUntilAWorkerIsFree()
    {
        // One worker with one slot, held for a second and a half per job: the second request meets
        // "No workers available" and must be retried within its window, not failed or dropped.
        await using var scarce = await VideoSdkEmulatorApp.StartAsync(new EmulatorOptions { JobDuration = TimeSpan.FromSeconds(1.5), RegisterDefaultWorker = false });
        scarce.State.RegisterWorker(new WorkerRegistration("busy-agent", Id: "single", MaxProcesses: 1, LoadThreshold: 1.0));
        await using var host = await StartHostAsync($"--VideoSdk:BaseUrl={scarce.BaseAddress}", "--VideoSdk:MaxRetries=0");

        await _requestQueue.SendMessageAsync("""{"meetingId":"cap-1","agentId":"busy-agent"}""");
        await _requestQueue.SendMessageAsync("""{"meetingId":"cap-2","agentId":"busy-agent"}""");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (scarce.State.Dispatches.Count(d => d.Assigned) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Equal(["cap-1", "cap-2"], scarce.State.Dispatches.Where(d => d.Assigned).Select(d => d.MeetingId).Order());
        Assert.Contains(scarce.State.Dispatches, d => d.Outcome == AgentDispatch.VideoSdkEmulator.Dispatch.EmulatedOutcome.Capacity);
    }
}
