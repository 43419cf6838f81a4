using System.Collections.Concurrent;
using AgentDispatch.Jobs;
using AgentDispatch.Storage;
using AgentDispatch.Testing;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AgentDispatch.Core.Tests.Jobs;

/// <summary>
/// The job services as the app registers them, on a fresh table and queues in the shared Azurite,
/// dispatching to a loopback VideoSDK whose answers a test scripts. <see cref="PumpAsync"/> does
/// what the wake-queue trigger does: hands every visible wake-up to the runner.
/// <para>
/// With a <see cref="FakeTimeProvider"/> (<see cref="NewClock"/>) the jobs' clock stands still until a
/// test moves it, but the wake queue does not follow it: Azurite hides a wake-up message on its own,
/// real clock. A test on a fake clock therefore either hands the runner the wake-up it queued
/// (<see cref="WakeWhenDueAsync"/>), or pumps only wake-ups queued for a time the fake clock has
/// already passed (the sweep's, which are visible at once). Pumping a wake-up for a job due less than
/// <see cref="DispatchJobRunner.MaxEarlyWait"/> ahead of the fake clock would wait for the clock forever.
/// </para>
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
        Action<IServiceCollection>? configure = null,
        FakeTimeProvider? time = null)
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
            // The scripted VideoSDK answers dispatches only; the confirmation tests turn it on with a room to look in.
            ["Confirmation:Mode"] = "Off",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var services = CoreServices.Build(AgentDispatch.Configuration.TriggerSettings.WithDefaults(all), s =>
        {
            if (time is not null)
            {
                s.AddSingleton<TimeProvider>(time);
            }

            configure?.Invoke(s);
        });
        var queue = services.Get<StorageClients>().Queues.GetQueueClient(wake);
        await queue.CreateIfNotExistsAsync();
        return new JobsHarness(services, videoSdk, queue);
    }

    /// <summary>
    /// A fake clock for the jobs, starting at the real now so that times in requests read naturally, in
    /// whole milliseconds as the ledger keeps them, so a job's due time can be reached exactly.
    /// </summary>
    public static FakeTimeProvider NewClock() => new(Instants.Ms(DateTimeOffset.UtcNow));

    /// <summary>
    /// On a fake clock: moves the clock on to the job's due time, if it is not there yet, and hands the
    /// runner the wake-up queued for that time (the job's id and due time, what the message carries), as
    /// the trigger does once the queue shows it. The message itself stays hidden in Azurite, on the real clock.
    /// </summary>
    public async Task<DispatchJob> WakeWhenDueAsync(FakeTimeProvider time, string id)
    {
        ArgumentNullException.ThrowIfNull(time);
        var job = (await Jobs.GetAsync(id, CancellationToken.None))!;
        Assert.Equal(JobState.Scheduled, job.State);
        Assert.Equal(job.DueAt, job.WakeFor); // a wake-up was queued for this time, or nothing would wake the job
        if (time.GetUtcNow() < job.DueAt)
        {
            time.SetUtcNow(job.DueAt);
        }

        await Runner.WakeAsync(job.Id, job.DueAt, CancellationToken.None);
        return (await Jobs.GetAsync(id, CancellationToken.None))!;
    }

    /// <summary>
    /// On a fake clock: wakes the job at each time it is due — an attempt, or a look in the room while it
    /// is being confirmed — until it is final; fails after <paramref name="maxWakes"/>.
    /// </summary>
    public async Task<DispatchJob> WakeUntilFinalAsync(FakeTimeProvider time, string id, int maxWakes = 50)
    {
        ArgumentNullException.ThrowIfNull(time);
        var job = (await Jobs.GetAsync(id, CancellationToken.None))!;
        for (var wakes = 0; !job.IsFinal; wakes++)
        {
            if (wakes == maxWakes)
            {
                Assert.Fail($"Job {id} is still {job.State} after {maxWakes} wake-ups (attempts {job.Attempts}, last outcome {job.LastOutcome}, due {job.DueAt:o}, not after {job.NotAfter:o}, now {time.GetUtcNow():o}).");
            }

            job = job.IsConfirming ? await LookWhenDueAsync(time, id) : await WakeWhenDueAsync(time, id);
        }

        return job;
    }

    /// <summary>On a fake clock: moves the clock to the job's next look in the room and hands the runner that wake-up.</summary>
    public async Task<DispatchJob> LookWhenDueAsync(FakeTimeProvider time, string id)
    {
        ArgumentNullException.ThrowIfNull(time);
        var job = (await Jobs.GetAsync(id, CancellationToken.None))!;
        Assert.True(job.IsConfirming, $"Job {id} is {job.State}, not being confirmed.");
        var at = Assert.NotNull(job.WakeFor); // a look was queued, or nothing would wake the job
        if (time.GetUtcNow() < at)
        {
            time.SetUtcNow(at);
        }

        await Runner.WakeAsync(job.Id, at, CancellationToken.None);
        return (await Jobs.GetAsync(id, CancellationToken.None))!;
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

    /// <summary>
    /// Pumps until <paramref name="done"/> holds for the job, or fails after <paramref name="timeout"/> of
    /// real time: for tests on the real clock, where a wake-up surfaces when Azurite shows it.
    /// </summary>
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
