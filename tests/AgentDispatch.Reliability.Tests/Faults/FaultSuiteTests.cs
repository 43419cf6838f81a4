using System.Diagnostics;
using AgentDispatch.Reliability.Tests.Support;
using AgentDispatch.Testing;
using AgentDispatch.VideoSdkEmulator;
using AgentDispatch.VideoSdkEmulator.Faults;
using Azure.Storage.Queues;
using Xunit.Abstractions;

namespace AgentDispatch.Reliability.Tests.Faults;

/// <summary>
/// 1,000 queued requests through the whole app (queue runner, ledger, VideoSDK client) into an
/// emulator that fails about 30% of requests: 503s, 429s with <c>Retry-After</c>, answers that come
/// after the attempt timeout, and connections dropped after the agent went out. Every job must end
/// final, in a state that matches what the emulator did, and no meeting may get two agents.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class FaultSuiteTests(StorageFixture storage, ITestOutputHelper output)
{
    private const int Requests = 1000;

    // An attempt is cut off after 2 s; a slow answer comes after 3 s, so it is always too late. (2 s
    // rather than 1 s keeps a normal answer on a busy 2-core machine from timing out by accident.)
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2);

    private static readonly FaultSettings ThirtyPercent = new(
        Error503Rate: 0.09,
        Error429Rate: 0.09,
        SlowRate: 0.06,
        SlowDelay: AttemptTimeout + TimeSpan.FromSeconds(1),
        DropRate: 0.06,
        RetryAfterSeconds: 1);

    [Fact]
    public async Task ThousandJobs_UnderThirtyPercentFaults_AllEndFinal_NoneLost_NoMeetingGetsTwoAgents()
    {
        var requests = AzuriteFixture.UniqueName("faultreq");
        var ledger = AzuriteFixture.UniqueName("faultledger");
        await using var videoSdk = await VideoSdkEmulatorApp.StartAsync(new EmulatorOptions { Seed = 20261128 });
        videoSdk.State.Faults = ThirtyPercent;

        var batch = new RequestBatch("fault", Requests);
        await batch.SendAsync(new QueueClient(storage.ConnectionString, requests), window: TimeSpan.FromMinutes(10));

        var elapsed = Stopwatch.StartNew();
        await using var host = await InProcessDevHost.StartAsync(
            storage.ConnectionString,
            $"--VideoSdk:BaseUrl={videoSdk.BaseAddress}",
            "--VideoSdk:AuthToken=fault-suite-token",
            $"--VideoSdk:AttemptTimeout={AttemptTimeout:c}",
            $"--DISPATCH_REQUESTS_QUEUE={requests}",
            $"--DISPATCH_WAKE_QUEUE={AzuriteFixture.UniqueName("faultwake")}",
            $"--Jobs:LedgerTable={ledger}",
            "--Jobs:RetryBaseDelay=00:00:00.200",
            "--Jobs:RetryMaxDelay=00:00:01",
            // The emulated agent joins 1 s after an assigned dispatch: 15 s of looking finds it with room to spare.
            "--Confirmation:Timeout=00:00:15");

        var probe = new LedgerProbe(storage.ConnectionString, ledger);
        await probe.WaitUntilFinalAsync(Requests, TimeSpan.FromSeconds(150));
        elapsed.Stop();

        var audit = DispatchAudit.Of("faults", batch.MeetingIds, await probe.ReadAllAsync(), videoSdk.State.Dispatches, elapsed.Elapsed) with
        {
            RoomsWithTwoAgents = videoSdk.State.RoomsWithTwoAgents,
            Notes = new Dictionary<string, string>
            {
                ["faults"] = ThirtyPercent.ToString(),
                ["dev host warnings"] = host.Logs.Summary(),
            },
        };
        output.WriteLine(audit.Report());
        output.WriteLine("summary: " + audit.WriteSummary());

        var why = audit.Report() + Environment.NewLine + "Last log lines:" + Environment.NewLine + host.Logs.LastLines();
        Assert.True(audit.Lost == 0, why);
        Assert.True(audit.ViolationCount == 0, why);
        // An unanswered request (slow, dropped) is settled by looking in the room before anything is sent
        // again: no job is left unknown, and no room gets two agents.
        Assert.True(audit.UnknownJobs == 0, why);
        Assert.True(audit.RoomsWithTwoAgents == 0, why);
        Assert.True(audit.Duplicates == 0, why);
        Assert.True(audit.Expired == 0, why);
        // Each fault kind was met, and the job-level retries got most jobs through anyway.
        Assert.All(["fault503", "fault429", "dropped", "assigned-slow"], kind => Assert.True(audit.EmulatorOutcomes.ContainsKey(kind), $"no {kind} in the emulator's record. {why}"));
        Assert.True(audit.Joined > Requests * 0.8, why);
    }
}
