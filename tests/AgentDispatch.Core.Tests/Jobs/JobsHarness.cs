using System.Collections.Concurrent;
using AgentDispatch.Jobs;
using AgentDispatch.Storage;
using AgentDispatch.Testing;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AgentDispatch.Core.Tests.Jobs;

/// <summary>
/// The job services as the app registers them, on a fresh table and queues in the shared Azurite,
/// dispatching to a loopback VideoSDK whose answers a test scripts. <see cref="PumpAsync"/> does
/// what the wake-queue trigger does: hands every visible wake-up to the runner.
/// </summary>
internal sealed class JobsHarness : IAsyncDisposable
{
    private readonly CoreServices _services;
    private readonly ConcurrentQueue<string> _answers = new();

    private JobsHarness(CoreServices services, LoopbackServer videoSdk, QueueClient wakeQueue)
    {
        _services = services;
        VideoSdk = videoSdk;
        WakeQueue = wakeQueue;
    }

    public LoopbackServer VideoSdk { get; }

    public QueueClient WakeQueue { get; }

    public DispatchJobService Jobs => _services.Get<DispatchJobService>();

    public DispatchJobRunner Runner => _services.Get<DispatchJobRunner>();

    public DispatchLedger Ledger => _services.Get<DispatchLedger>();

    public LedgerSweeper Sweeper => _services.Get<LedgerSweeper>();

    public CoreServices Services => _services;

    /// <summary>VideoSDK requests received so far.</summary>
    public int Dispatches => VideoSdk.Requests.Count;

    public static async Task<JobsHarness> StartAsync(
        AzuriteFixture azurite,
        Func<HttpContext, ReceivedRequest, Task>? answer = null,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configure = null)
    {
        var videoSdk = await LoopbackServer.StartAsync(answer ?? LoopbackServer.Answer(200, VideoSdkExamples.SuccessResponseJson));
        var wake = AzuriteFixture.UniqueName("wake");
        var all = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Jobs:LedgerTable"] = AzuriteFixture.UniqueName("ledger"),
            [QueueNames.WakeSetting] = wake,
            [QueueNames.RequestsSetting] = AzuriteFixture.UniqueName("requests"),
            ["Jobs:RetryBaseDelay"] = "00:00:00.200",
            ["Jobs:RetryMaxDelay"] = "00:00:00.500",
            ["VideoSdk:BaseUrl"] = videoSdk.BaseAddress.AbsoluteUri,
            ["VideoSdk:AuthToken"] = "jobs-test-token",
            ["VideoSdk:AttemptTimeout"] = "00:00:02",
            ["VideoSdk:TotalTimeout"] = "00:00:20",
            ["VideoSdk:MaxRetries"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var services = CoreServices.Build(AgentDispatch.Configuration.TriggerSettings.WithDefaults(all), configure);
        var queue = services.Get<StorageClients>().Queues.GetQueueClient(wake);
        await queue.CreateIfNotExistsAsync();
        return new JobsHarness(services, videoSdk, queue);
    }

    /// <summary>Hands every wake-up visible now to the runner, as the trigger would, and deletes it.</summary>
    public async Task<int> PumpAsync()
    {
        var handled = 0;
        while (true)
        {
            var messages = (await WakeQueue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(1))).Value;
            if (messages.Length == 0)
            {
                return handled;
            }

            foreach (var message in messages)
            {
                var wake = AgentDispatch.Jobs.WakeQueue.Read(QueueMessageText.Decode(message.Body))!;
                await Runner.WakeAsync(wake.Id, wake.Due, CancellationToken.None);
                await WakeQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                handled++;
            }
        }
    }

    /// <summary>Pumps until <paramref name="done"/> holds for the job, or fails after <paramref name="timeout"/>.</summary>
    public async Task<DispatchJob> PumpUntilAsync(string id, Func<DispatchJob, bool> done, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            await PumpAsync();
            var job = (await Jobs.GetAsync(id, CancellationToken.None))!;
            if (done(job))
            {
                return job;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                var recent = string.Join("\n", _services.Logs.GetSnapshot().TakeLast(15).Select(r => $"{r.Timestamp:HH:mm:ss.fff} {r.Message}"));
                Assert.Fail($"Job {id} is still {job.State} after {timeout.TotalSeconds} s (attempts {job.Attempts}, last outcome {job.LastOutcome}, due {job.DueAt:o}, wake for {job.WakeFor:o}, not after {job.NotAfter:o}, now {DateTimeOffset.UtcNow:o}). Recent log:\n{recent}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Messages in the wake queue, hidden ones included.</summary>
    public async Task<int> WakeMessagesAsync() => (await WakeQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount;

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await VideoSdk.DisposeAsync();
    }
}
