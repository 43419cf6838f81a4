using System.Diagnostics;
using AgentDispatch.Reliability.Tests.Support;
using AgentDispatch.Testing;
using AgentDispatch.VideoSdkEmulator;
using Azure.Storage.Queues;
using Xunit.Abstractions;

namespace AgentDispatch.Reliability.Tests.Crashes;

/// <summary>
/// The dev host killed with SIGKILL while it drains 500 queued requests, then a new one started on
/// the same queue and ledger. The emulator lives in the test process, so its record of agents
/// survives the kill. What the kill leaves behind: messages in flight (back after
/// <c>DevHost:QueueVisibility</c>) and claims in flight (resolved by the sweep once their lease has
/// run out, by looking in the room before anything is sent again). Every request must end in a final
/// job, none may be left unknown for a person, and no room may hold two agents.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class DevHostKillTests(StorageFixture storage, ITestOutputHelper output)
{
    private const int Requests = 500;
    private const int KillAfterDispatches = 150;

    [Fact]
    public async Task KilledMidDrain_AndRestarted_EveryJobEndsFinal_NoneLost_NoneUnknown_NoRoomWithTwoAgents()
    {
        var requests = AzuriteFixture.UniqueName("killreq");
        var ledger = AzuriteFixture.UniqueName("killledger");
        // 50 ms per answer: the drain takes a few seconds, so the kill lands in the middle of it
        // with claims in flight.
        await using var videoSdk = await VideoSdkEmulatorApp.StartAsync(new EmulatorOptions { Latency = TimeSpan.FromMilliseconds(50) });
        var batch = new RequestBatch("kill", Requests);
        await batch.SendAsync(new QueueClient(storage.ConnectionString, requests), window: TimeSpan.FromMinutes(10));

        string[] settings =
        [
            $"--AzureWebJobsStorage={storage.ConnectionString}",
            $"--VideoSdk:BaseUrl={videoSdk.BaseAddress}",
            "--VideoSdk:AuthToken=crash-suite-token",
            // Short limits so a claim's lease (the longest call, twice over, plus the margin) runs out
            // soon after the kill and the sweep, every 2 s, resolves it.
            "--VideoSdk:AttemptTimeout=00:00:02",
            "--VideoSdk:TotalTimeout=00:00:03",
            "--VideoSdk:MaxRetries=0",
            "--Jobs:LeaseMargin=00:00:01",
            // The emulated agent joins 1 s after an assigned dispatch: 15 s of looking finds it with room to spare.
            "--Confirmation:Timeout=00:00:15",
            "--DISPATCH_SWEEP_SCHEDULE=*/2 * * * * *",
            // A message the killed host held comes back in 5 s rather than the Functions host's 10 minutes.
            "--DevHost:QueueVisibility=00:00:05",
            $"--DISPATCH_REQUESTS_QUEUE={requests}",
            $"--DISPATCH_WAKE_QUEUE={AzuriteFixture.UniqueName("killwake")}",
            $"--Jobs:LedgerTable={ledger}",
        ];

        var elapsed = Stopwatch.StartNew();
        DevHostProcess? first = null;
        DevHostProcess? second = null;
        try
        {
            first = await DevHostProcess.StartAsync(settings);
            var deadline = Stopwatch.StartNew();
            while (videoSdk.State.DispatchCount < KillAfterDispatches)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"only {videoSdk.State.DispatchCount} dispatches after 60 s. Dev host output:{Environment.NewLine}{first.OutputTail()}");
                Assert.False(first.HasExited, $"the dev host exited by itself. Its output:{Environment.NewLine}{first.OutputTail()}");
                await Task.Delay(TimeSpan.FromMilliseconds(20));
            }

            await first.KillHardAsync();
            var atKill = videoSdk.State.DispatchCount;
            var killedAt = elapsed.Elapsed;

            second = await DevHostProcess.StartAsync(settings);
            var probe = new LedgerProbe(storage.ConnectionString, ledger);
            await probe.WaitUntilFinalAsync(Requests, TimeSpan.FromSeconds(120));
            elapsed.Stop();

            var audit = DispatchAudit.Of("crash-kill", batch.MeetingIds, await probe.ReadAllAsync(), videoSdk.State.Dispatches, elapsed.Elapsed) with
            {
            RoomsWithTwoAgents = videoSdk.State.RoomsWithTwoAgents,
                Notes = new Dictionary<string, string>
                {
                    ["killed"] = $"pid {first.ProcessId} with SIGKILL at {killedAt.TotalSeconds:F1} s, after {atKill} dispatches; restarted as pid {second.ProcessId}",
                },
            };
            output.WriteLine(audit.Report());
            output.WriteLine("summary: " + audit.WriteSummary());

            var why = audit.Report() + Environment.NewLine + "Second dev host's last output:" + Environment.NewLine + second.OutputTail();
            Assert.True(audit.Lost == 0, why);
            Assert.True(audit.ViolationCount == 0, why);
            // Every claim the kill cut off is settled by looking in the room: none is left for a person,
            // and no room ever holds two agents.
            Assert.True(audit.UnknownJobs == 0, why);
            Assert.True(audit.RoomsWithTwoAgents == 0, why);
            Assert.True(audit.Duplicates == 0, why);
            Assert.True(audit.Expired == 0, why);
        }
        finally
        {
            if (second is not null)
            {
                await second.DisposeAsync();
            }

            if (first is not null)
            {
                await first.DisposeAsync();
            }
        }
    }
}
