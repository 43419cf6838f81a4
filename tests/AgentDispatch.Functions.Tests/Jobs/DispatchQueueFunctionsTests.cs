using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.Functions.Jobs;
using AgentDispatch.Jobs;
using AgentDispatch.Storage;
using AgentDispatch.Testing;
using AgentDispatch.VideoSdkEmulator;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace AgentDispatch.Functions.Tests.Jobs;

/// <summary>The queue trigger's function class with real Azurite queues: valid messages become jobs, never-valid ones are poisoned at once.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DispatchQueueFunctionsTests(AzuriteCollectionFixture azurite) : IAsyncLifetime
{
    private readonly string _requests = AzuriteFixture.UniqueName("requests");
    private RunningEmulator _videoSdk = null!;
    private FunctionsTestHost _host = null!;
    private QueueClient _poison = null!;

    public async Task InitializeAsync()
    {
        _videoSdk = await VideoSdkEmulatorApp.StartAsync(new EmulatorOptions());
        _host = new FunctionsTestHost(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.Fixture.ConnectionString,
            ["Jobs:LedgerTable"] = AzuriteFixture.UniqueName("ledger"),
            [QueueNames.WakeSetting] = AzuriteFixture.UniqueName("wake"),
            [QueueNames.RequestsSetting] = _requests,
            ["VideoSdk:BaseUrl"] = _videoSdk.BaseAddress.AbsoluteUri,
            ["VideoSdk:AuthToken"] = "queue-token",
        });
        _poison = new QueueClient(azurite.Fixture.ConnectionString, _requests + "-poison");
    }

    public async Task DisposeAsync()
    {
        _host.Dispose();
        await _videoSdk.DisposeAsync();
    }

    private static QueueMessage Message(string text, long dequeueCount = 1)
        => QueuesModelFactory.QueueMessage("msg-" + Guid.NewGuid().ToString("N"), "pop", BinaryData.FromString(text), dequeueCount);

    private Task Deliver(QueueMessage message) => _host.Create<DispatchQueueFunctions>().DispatchRequests(message, CancellationToken.None);

    private async Task<JsonNode[]> PoisonedAsync()
    {
        if (!(await _poison.ExistsAsync()).Value)
        {
            return [];
        }

        var messages = (await _poison.ReceiveMessagesAsync(32)).Value;
        return messages.Select(m => JsonNode.Parse(m.Body.ToString())!).ToArray();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DispatchRequests_PlainOrBase64_BothDispatch(bool base64)
    {
        const string json = """{"meetingId":"q-1","agentId":"a"}""";

        await Deliver(Message(base64 ? Convert.ToBase64String(Encoding.UTF8.GetBytes(json)) : json));

        Assert.Single(_videoSdk.State.Dispatches);
        Assert.Empty(await PoisonedAsync());
    }

    [Fact]
    public async Task DispatchRequests_WithAByteOrderMark_Dispatches()
    {
        await Deliver(Message("\uFEFF" + """{"meetingId":"q-bom","agentId":"a"}"""));

        Assert.Single(_videoSdk.State.Dispatches);
        Assert.Empty(await PoisonedAsync());
    }

    [Fact]
    public async Task DispatchRequests_HugeInvalidMessage_IsPoisonedWithItsReasonAndACutCopy()
    {
        var huge = "{\"meetingId\":\"" + new string('x', 60_000) + "\"}";

        await Deliver(Message(huge));

        var poisoned = Assert.Single(await PoisonedAsync());
        Assert.NotNull(poisoned["errors"]!["meetingId"]);
        Assert.StartsWith(huge[..1000], (string)poisoned["originalMessage"]!, StringComparison.Ordinal);
        Assert.Contains("[cut: 60016 characters in all]", (string)poisoned["originalMessage"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DispatchRequests_CloudEvent_DispatchesItsDataAndDedupesOnSourceAndId()
    {
        const string cloudEvent = """
            {"specversion":"1.0","id":"evt-1","source":"/crm/meetings","type":"com.example.meeting.started",
             "datacontenttype":"application/json","data":{"meetingId":"q-2","agentId":"a"}}
            """;

        await Deliver(Message(cloudEvent));
        await Deliver(Message(cloudEvent)); // the producer sent it twice

        Assert.Single(_videoSdk.State.Dispatches);
    }

    [Fact]
    public async Task DispatchRequests_Redelivered_DispatchesOnce()
    {
        var message = Message("""{"meetingId":"q-3","agentId":"a","idempotencyKey":"q-3-key"}""");

        await Deliver(message);
        await Deliver(QueuesModelFactory.QueueMessage(message.MessageId, "pop2", message.Body, 2));

        Assert.Single(_videoSdk.State.Dispatches);
    }

    [Theory]
    [InlineData("not json at all", "body")]
    [InlineData("""{"meetingId":"m"}""", "agentId")]
    [InlineData("""{"meetingId":"m","agentId":"a","dispatchAt":"2026-01-01 09:00"}""", "dispatchAt")]
    [InlineData("""{"specversion":"0.3","id":"1","source":"s","type":"t","data":{"meetingId":"m","agentId":"a"}}""", "specversion")]
    [InlineData("""{"specversion":"1.0","id":"1","source":"s","type":"t","data":{"meetingId":"m"}}""", "data.agentId")]
    public async Task DispatchRequests_NeverValid_IsPoisonedAtOnceWithTheReason(string text, string field)
    {
        await Deliver(Message(text));

        var poisoned = Assert.Single(await PoisonedAsync());
        Assert.Equal("The message is not a valid dispatch request.", (string)poisoned["reason"]!);
        Assert.NotNull(poisoned["errors"]![field]);
        Assert.Equal(text, (string)poisoned["originalMessage"]!);
        Assert.Equal(_requests, (string)poisoned["queue"]!);
        Assert.Empty(_videoSdk.State.Dispatches);
    }

    [Fact]
    public async Task DispatchRequests_WindowClosed_IsPoisonedWithThatReason()
    {
        await Deliver(Message("""{"meetingId":"m","agentId":"a","dispatchAt":"2020-01-01T09:00:00Z"}"""));

        var poisoned = Assert.Single(await PoisonedAsync());
        Assert.Equal("The dispatch window does not allow this request.", (string)poisoned["reason"]!);
        Assert.Empty(_videoSdk.State.Dispatches);
    }

    [Fact]
    public async Task DispatchWake_NotAWakeUp_IsPoisoned()
    {
        var wake = _host.Services.GetService(typeof(QueueNames)) as QueueNames;

        await _host.Create<DispatchQueueFunctions>().DispatchWake(Message("""{"id":"../x"}"""), CancellationToken.None);

        var poison = new QueueClient(azurite.Fixture.ConnectionString, wake!.WakePoison);
        Assert.Single((await poison.ReceiveMessagesAsync(32)).Value);
    }

    [Fact]
    public async Task DispatchWake_ForAJob_RunsIt()
    {
        var jobs = (DispatchJobService)_host.Services.GetService(typeof(DispatchJobService))!;
        var job = (await jobs.SubmitAsync(new DispatchJobRequest(new AgentDispatch.Dispatch.DispatchRequest("q-9", "a"), DateTimeOffset.UtcNow.AddMilliseconds(1500)), JobSources.Http, CancellationToken.None)).Job!;
        await Task.Delay(1600);

        await _host.Create<DispatchQueueFunctions>().DispatchWake(Message($$"""{"id":"{{job.Id}}","due":"{{job.DispatchAt:O}}"}"""), CancellationToken.None);

        Assert.Equal(JobState.Assigned, (await jobs.GetAsync(job.Id, CancellationToken.None))!.State);
        Assert.Single(_videoSdk.State.Dispatches);
    }
}
