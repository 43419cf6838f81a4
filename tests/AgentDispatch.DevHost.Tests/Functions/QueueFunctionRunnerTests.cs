using System.Text;
using AgentDispatch.Azurite;
using AgentDispatch.DevHost.Functions;
using AgentDispatch.DevHost.Settings;
using AgentDispatch.Testing;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using static AgentDispatch.DevHost.Tests.Functions.RunnerTesting;

namespace AgentDispatch.DevHost.Tests.Functions;

/// <summary>The queue runner against the shared Azurite, with the sample functions of this project.</summary>
[Collection(StorageCollection.Name)]
public sealed class QueueFunctionRunnerTests(StorageFixture storage) : IAsyncLifetime
{
    // Quick polling so the tests do not wait out the one-minute default; retries at once.
    private static readonly QueueTriggerOptions Fast = new() { MaxPollingInterval = TimeSpan.FromMilliseconds(200) };

    private readonly List<QueueFunctionRunner> _runners = [];
    private readonly List<ServiceProvider> _services = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var runner in _runners)
        {
            using var limit = new CancellationTokenSource(WaitLimit);
            await runner.StopAsync(limit.Token);
            await runner.DisposeAsync();
        }

        foreach (var services in _services)
        {
            await services.DisposeAsync();
        }
    }

    private async Task<(QueueFunctionRunner Runner, ServiceProvider Services)> StartAsync<TFunction>(
        string setting, string queueName, QueueTriggerOptions? options = null, Action<IServiceCollection>? configure = null, string connection = "AzureWebJobsStorage")
    {
        var function = Assert.Single(QueueFunction.Discover([typeof(TFunction)], AppSettings((setting, queueName), (connection, storage.ConnectionString))));
        var services = Services(configure);
        _services.Add(services);
        var runner = new QueueFunctionRunner(function, options ?? Fast, services);
        _runners.Add(runner);
        await runner.StartAsync(CancellationToken.None);
        return (runner, services);
    }

    [Fact]
    public async Task Message_IsDeliveredDecodedFromBase64_AndDeleted()
    {
        var name = AzuriteFixture.UniqueName("text");
        var queue = await QueueAsync(storage.ConnectionString, name);
        var seen = new Recorder<string>();
        var instances = new InstanceLog();
        await StartAsync<TextQueueFunction>("TEXT_QUEUE", name, configure: s => s.AddSingleton(seen).AddSingleton(instances));

        await queue.SendMessageAsync(Base64("""{"meetingId":"m-1","agentId":"a-1"}"""));

        Assert.Equal("""{"meetingId":"m-1","agentId":"a-1"}""", await seen.NextAsync());
        await UntilAsync(async () => await CountAsync(queue) == 0, "the message to be deleted");
        Assert.Single(instances.Created);
        Assert.Single(instances.Disposed);
    }

    [Fact]
    public async Task QueueMessageParameter_GetsTheDecodedBodyAndDequeueCount_FromTheNamedConnection()
    {
        var name = AzuriteFixture.UniqueName("msg");
        var queue = await QueueAsync(storage.ConnectionString, name);
        var seen = new Recorder<QueueMessage>();
        await StartAsync<MessageQueueFunction>("MESSAGE_QUEUE", name, configure: s => s.AddSingleton(seen), connection: "SampleStorage");

        var sent = await queue.SendMessageAsync(Base64("hello"));

        var message = await seen.NextAsync();
        Assert.Equal(sent.Value.MessageId, message.MessageId);
        Assert.Equal("hello", message.Body.ToString());
        Assert.Equal(1, message.DequeueCount);
    }

    [Fact]
    public async Task MessageEncodingNone_BindsTheTextAsSent()
    {
        var name = AzuriteFixture.UniqueName("none");
        var queue = await QueueAsync(storage.ConnectionString, name);
        var seen = new Recorder<BinaryData>();
        await StartAsync<BinaryQueueFunction>("BINARY_QUEUE", name, Fast with { MessageEncoding = QueueBodyEncoding.None }, s => s.AddSingleton(seen));

        await queue.SendMessageAsync("""{"plain":"text é"}""");

        Assert.Equal("""{"plain":"text é"}"""u8.ToArray(), (await seen.NextAsync()).ToArray());
        await UntilAsync(async () => await CountAsync(queue) == 0, "the message to be deleted");
    }

    [Fact]
    public async Task ThrowingFunction_IsRetriedWithDequeueCountRising_ThenPoisonedWithTheOriginalText()
    {
        var name = AzuriteFixture.UniqueName("fail");
        var queue = await QueueAsync(storage.ConnectionString, name);
        var seen = new Recorder<QueueMessage>();
        var (_, services) = await StartAsync<FailingQueueFunction>("FAILING_QUEUE", name, Fast with { MaxDequeueCount = 3 }, s => s.AddSingleton(seen));
        var original = Base64("""{"secret-ish":"body"}""");

        await queue.SendMessageAsync(original);

        var attempts = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            attempts.Add((await seen.NextAsync()).DequeueCount);
        }

        Assert.Equal([1L, 2L, 3L], attempts);
        var poison = await QueueAsync(storage.ConnectionString, QueueFunctionRunner.PoisonQueueName(name));
        PeekedMessage? poisoned = null;
        await UntilAsync(async () => (poisoned = (await poison.PeekMessagesAsync()).Value.FirstOrDefault()) is not null, "the message in the poison queue");
        Assert.Equal(original, poisoned!.Body.ToString());
        await UntilAsync(async () => await CountAsync(queue) == 0, "the original to be deleted");
        Assert.False(seen.TryTake(out _), "No attempt after maxDequeueCount.");

        var failures = services.GetFakeLogCollector().GetSnapshot().Where(r => r.Level == LogLevel.Error).ToList();
        Assert.Equal(3, failures.Count);
        Assert.All(failures, r => Assert.IsType<InvalidOperationException>(r.Exception));
        Assert.DoesNotContain(services.GetFakeLogCollector().GetSnapshot(), r => r.Message.Contains("secret-ish", StringComparison.Ordinal) || r.Message.Contains(original, StringComparison.Ordinal));
    }

    [Fact]
    public async Task FailedMessage_StaysHiddenForTheVisibilityTimeout()
    {
        var name = AzuriteFixture.UniqueName("vis");
        var queue = await QueueAsync(storage.ConnectionString, name);
        var seen = new Recorder<QueueMessage>();
        await StartAsync<FailingQueueFunction>("FAILING_QUEUE", name, Fast with { VisibilityTimeout = TimeSpan.FromSeconds(2) }, s => s.AddSingleton(seen));

        await queue.SendMessageAsync(Base64("x"));

        // Timed between the two calls as the function saw them: a clock started when the test got to
        // run again after the first would start late on a loaded machine and measure too short a gap.
        var (_, firstAt) = await seen.NextSeenAsync();
        var (second, secondAt) = await seen.NextSeenAsync();
        var gap = System.Diagnostics.Stopwatch.GetElapsedTime(firstAt, secondAt);

        Assert.Equal(2, second.DequeueCount);
        Assert.True(gap >= TimeSpan.FromSeconds(1.5), $"The retry came {gap} after the first attempt, before the 2 s visibility timeout.");
    }

    [Fact]
    public async Task Base64Encoding_UndecodableMessage_IsAFailure_AndIsPoisonedWithoutCallingTheFunction()
    {
        var name = AzuriteFixture.UniqueName("bad");
        var queue = await QueueAsync(storage.ConnectionString, name);
        var seen = new Recorder<string>();
        var (_, services) = await StartAsync<TextQueueFunction>(
            "TEXT_QUEUE", name, Fast with { MaxDequeueCount = 1 }, s => s.AddSingleton(seen).AddSingleton(new InstanceLog()));

        await queue.SendMessageAsync("""{"not":"base64"}""");

        var poison = await QueueAsync(storage.ConnectionString, QueueFunctionRunner.PoisonQueueName(name));
        PeekedMessage? poisoned = null;
        await UntilAsync(async () => (poisoned = (await poison.PeekMessagesAsync()).Value.FirstOrDefault()) is not null, "the message in the poison queue");
        Assert.Equal("""{"not":"base64"}""", poisoned!.Body.ToString());
        Assert.False(seen.TryTake(out _));
        var failure = Assert.Single(services.GetFakeLogCollector().GetSnapshot(), r => r.Level == LogLevel.Error);
        Assert.Contains("messageEncoding", failure.Exception!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batches_NeverRunMoreThanBatchSizePlusNewBatchThreshold()
    {
        var name = AzuriteFixture.UniqueName("slow");
        var queue = await QueueAsync(storage.ConnectionString, name);
        var meter = new ConcurrencyMeter();
        var options = Fast with { BatchSize = 4, NewBatchThreshold = 2 };
        for (var i = 0; i < 24; i++)
        {
            await queue.SendMessageAsync(Base64($"m-{i}"));
        }

        await StartAsync<SlowQueueFunction>("SLOW_QUEUE", name, options, s => s.AddSingleton(meter));

        await UntilAsync(() => meter.Completed == 24, "all 24 messages to be processed");
        Assert.InRange(meter.Max, 2, options.BatchSize + options.NewBatchThreshold);
        await UntilAsync(async () => await CountAsync(queue) == 0, "all messages to be deleted");
    }

    [Fact]
    public async Task Stop_WaitsForTheMessageInHand_WhichIsThenDeleted()
    {
        var name = AzuriteFixture.UniqueName("gate");
        var queue = await QueueAsync(storage.ConnectionString, name);
        var gate = new Gate();
        var (runner, _) = await StartAsync<GatedQueueFunction>("GATED_QUEUE", name, configure: s => s.AddSingleton(gate));
        await queue.SendMessageAsync(Base64("hold"));
        var token = await gate.Entered.NextAsync();

        var stop = runner.StopAsync(CancellationToken.None);
        await Task.Delay(TimeSpan.FromMilliseconds(300));

        Assert.False(stop.IsCompleted, "Stop returned while a function was still running.");
        Assert.False(token.IsCancellationRequested, "A graceful stop does not cancel the running function.");
        gate.Open();
        await stop.WaitAsync(WaitLimit);
        Assert.Equal(0, await CountAsync(queue));
    }

    [Fact]
    public async Task Stop_WhenTheShutdownTimeoutEnds_CancelsTheFunctionsToken()
    {
        var name = AzuriteFixture.UniqueName("abort");
        var queue = await QueueAsync(storage.ConnectionString, name);
        var gate = new Gate();
        var (runner, _) = await StartAsync<GatedQueueFunction>("GATED_QUEUE", name, configure: s => s.AddSingleton(gate));
        await queue.SendMessageAsync(Base64("hold"));
        var token = await gate.Entered.NextAsync();

        using var shutdownTimeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await runner.StopAsync(shutdownTimeout.Token).WaitAsync(WaitLimit);

        await UntilAsync(() => token.IsCancellationRequested, "the function's token to fire");
    }

    [Fact]
    public async Task StorageUnreachable_LogsAWarningAndKeepsPolling_ThenDeliversOnceItIsBack()
    {
        var queuePort = LoopbackPorts.GetFreeTcpPort();
        var unreachable = $"DefaultEndpointsProtocol=http;AccountName={AzuriteProcess.AccountName};AccountKey={AzuriteProcess.AccountKey};QueueEndpoint=http://127.0.0.1:{queuePort}/{AzuriteProcess.AccountName};";
        var function = Assert.Single(QueueFunction.Discover([typeof(TextQueueFunction)], AppSettings(("TEXT_QUEUE", "late-queue"), ("AzureWebJobsStorage", unreachable))));
        var seen = new Recorder<string>();
        await using var services = Services(s => s.AddSingleton(seen).AddSingleton(new InstanceLog()));
        await using var runner = new QueueFunctionRunner(function, Fast, services);
        var logs = services.GetFakeLogCollector();

        await runner.StartAsync(CancellationToken.None);
        await UntilAsync(() => logs.GetSnapshot().Any(r => r.Level == LogLevel.Warning && r.Message.Contains("cannot be reached", StringComparison.Ordinal)), "the unreachable warning");

        // Storage comes up on the port the runner has been polling.
        await using var lateStorage = await AzuriteProcess.StartAsync(RepositoryFiles.Root, LoopbackPorts.GetFreeTcpPort(), queuePort, LoopbackPorts.GetFreeTcpPort());
        var queue = await QueueAsync(lateStorage.ConnectionString, "late-queue");
        await queue.SendMessageAsync(Base64("after the outage"));

        Assert.Equal("after the outage", await seen.NextAsync());
        Assert.Single(logs.GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Contains(logs.GetSnapshot(), r => r.Message.Contains("can be reached again", StringComparison.Ordinal));
        await runner.StopAsync(CancellationToken.None).WaitAsync(WaitLimit);
    }

    [Fact]
    public void Discover_ResolvesTheQueueNameFromSettings_AndLowerCasesIt()
    {
        var function = Assert.Single(QueueFunction.Discover([typeof(TextQueueFunction)], AppSettings(("TEXT_QUEUE", "Jobs-Incoming"), ("AzureWebJobsStorage", "UseDevelopmentStorage=true"))));

        Assert.Equal("TextQueue", function.Name);
        Assert.Equal("jobs-incoming", function.QueueName);
        Assert.Equal("AzureWebJobsStorage", function.Connection);
    }

    [Fact]
    public void Discover_MissingQueueSetting_FailsWithTheHostsWording()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => QueueFunction.Discover([typeof(TextQueueFunction)], AppSettings(("AzureWebJobsStorage", "UseDevelopmentStorage=true"))));

        Assert.Equal("Error indexing function 'TextQueue': '%TEXT_QUEUE%' does not resolve to a value.", ex.Message);
    }

    [Fact]
    public void Discover_MissingConnection_NamesTheSetting()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => QueueFunction.Discover([typeof(MessageQueueFunction)], AppSettings(("MESSAGE_QUEUE", "q-1"))));

        Assert.Contains("'SampleStorage'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MessageQueue", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Discover_AzureWebJobsPrefixedConnection_IsFound()
    {
        var function = Assert.Single(QueueFunction.Discover([typeof(MessageQueueFunction)], AppSettings(("MESSAGE_QUEUE", "q-1"), ("AzureWebJobsSampleStorage", "UseDevelopmentStorage=true"))));

        Assert.Equal("SampleStorage", function.Connection);
    }

    [Fact]
    public void Discover_InvalidConnectionString_NamesTheSettingButNotTheValue()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => QueueFunction.Discover([typeof(TextQueueFunction)], AppSettings(("TEXT_QUEUE", "q-1"), ("AzureWebJobsStorage", "AccountKey=s3cr3t-value"))));

        Assert.Contains("'AzureWebJobsStorage'", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("under_score")]
    [InlineData("double--dash")]
    public void Discover_InvalidQueueName_FailsNamingIt(string queueName)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => QueueFunction.Discover([typeof(TextQueueFunction)], AppSettings(("TEXT_QUEUE", queueName), ("AzureWebJobsStorage", "UseDevelopmentStorage=true"))));

        Assert.Contains($"'{queueName}' is not a valid queue name", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Discover_UnbindableParameter_FailsNamingTheFunctionAndParameter()
    {
        var ex = Assert.Throws<NotSupportedException>(() => QueueFunction.Discover([typeof(UnbindableQueueFunction)], AppSettings(("TEXT_QUEUE", "q-1"), ("AzureWebJobsStorage", "UseDevelopmentStorage=true"))));

        Assert.Contains("UnbindableQueue", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'callback'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Discover_ReturnValue_IsRefusedRatherThanDropped()
    {
        var ex = Assert.Throws<NotSupportedException>(() => QueueFunction.Discover([typeof(OutputBindingQueueFunction)], AppSettings(("TEXT_QUEUE", "q-1"), ("AzureWebJobsStorage", "UseDevelopmentStorage=true"))));

        Assert.Contains("OutputBindingQueue", ex.Message, StringComparison.Ordinal);
    }
}
