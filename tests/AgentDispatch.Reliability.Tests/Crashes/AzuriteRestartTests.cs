using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AgentDispatch.Azurite;
using AgentDispatch.Reliability.Tests.Support;
using AgentDispatch.Testing;
using AgentDispatch.VideoSdkEmulator;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace AgentDispatch.Reliability.Tests.Crashes;

/// <summary>
/// Storage goes away in the middle of a drain and comes back: Azurite, on disk so it keeps its data,
/// is stopped while the dev host works through 200 queued requests and started again on the same
/// ports a few seconds later. The dev host is not restarted: it must keep polling, retry what failed
/// and finish every job, with no meeting getting two agents.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class AzuriteRestartTests(ITestOutputHelper output)
{
    private const int Requests = 200;
    private const int StopAfterDispatches = 50;
    // Longer than the Storage SDK's own retries (about 5 s), so the app's retries are what carry it through.
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AzuriteStoppedAndRestartedMidDrain_DevHostRecoversOnItsOwn_NoneLost_NoDuplicates()
    {
        var location = Directory.CreateTempSubdirectory("agentdispatch-azurite-restart-");
        AzuriteProcess? azurite = null;
        try
        {
            azurite = await StartPersistentAzuriteAsync(location.FullName);
            var requests = AzuriteFixture.UniqueName("restartreq");
            var ledger = AzuriteFixture.UniqueName("restartledger");
            await using var videoSdk = await VideoSdkEmulatorApp.StartAsync(new EmulatorOptions { Latency = TimeSpan.FromMilliseconds(100) });
            var batch = new RequestBatch("restart", Requests);
            await batch.SendAsync(new QueueClient(azurite.ConnectionString, requests), window: TimeSpan.FromMinutes(10));

            var elapsed = Stopwatch.StartNew();
            await using var host = await InProcessDevHost.StartAsync(
                azurite.ConnectionString,
                $"--VideoSdk:BaseUrl={videoSdk.BaseAddress}",
                "--VideoSdk:AuthToken=restart-suite-token",
                // Short limits, so that a claim left unresolved by the outage is resolved within the test.
                "--VideoSdk:AttemptTimeout=00:00:02",
                "--VideoSdk:TotalTimeout=00:00:03",
                "--VideoSdk:MaxRetries=0",
                "--Jobs:LeaseMargin=00:00:01",
                // The emulated agent joins 1 s after an assigned dispatch: 15 s of looking finds it with room to spare.
                "--Confirmation:Timeout=00:00:15",
                "--Jobs:OverdueGrace=00:00:05",
                "--DISPATCH_SWEEP_SCHEDULE=*/2 * * * * *",
                "--DevHost:QueueVisibility=00:00:05",
                // The queue runners say when Storage can be reached again (Information).
                "--Logging:LogLevel:Function=Information",
                $"--DISPATCH_REQUESTS_QUEUE={requests}",
                $"--DISPATCH_WAKE_QUEUE={AzuriteFixture.UniqueName("restartwake")}",
                $"--Jobs:LedgerTable={ledger}");

            var deadline = Stopwatch.StartNew();
            while (videoSdk.State.DispatchCount < StopAfterDispatches)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"only {videoSdk.State.DispatchCount} dispatches after 60 s. {host.Logs.LastLines()}");
                await Task.Delay(TimeSpan.FromMilliseconds(20));
            }

            var warningsBefore = host.Logs.Count(string.Empty);
            var stopping = Stopwatch.StartNew();
            await azurite.StopAsync();
            var stoppedIn = stopping.Elapsed;
            var atStop = videoSdk.State.DispatchCount;
            await Task.Delay(Outage);
            var duringOutage = videoSdk.State.DispatchCount - atStop;
            var warningsDuringOutage = host.Logs.Count(string.Empty) - warningsBefore;
            var stopped = azurite;
            azurite = await stopped.StartAgainAsync();
            await stopped.DisposeAsync();

            var probe = new LedgerProbe(azurite.ConnectionString, ledger);
            await probe.WaitUntilFinalAsync(Requests, TimeSpan.FromSeconds(120));
            elapsed.Stop();

            // The runners' only Information entry: "queue ... can be reached again".
            var reconnected = host.Logs.CountAt("Function.", LogLevel.Information);
            var audit = DispatchAudit.Of("crash-azurite-restart", batch.MeetingIds, await probe.ReadAllAsync(), videoSdk.State.Dispatches, elapsed.Elapsed) with
            {
            RoomsWithTwoAgents = videoSdk.State.RoomsWithTwoAgents,
                Notes = new Dictionary<string, string>
                {
                    ["outage"] = $"Azurite stopped (SIGTERM, {stoppedIn.TotalSeconds:F1} s to exit) after {atStop} dispatches, started again {Outage.TotalSeconds:F0} s later on the same ports; {duringOutage} dispatches while it was down",
                    ["dev host warnings"] = $"{warningsDuringOutage} during the outage; in all: {host.Logs.Summary()}",
                    ["queue runners that said Storage can be reached again"] = reconnected.ToString(CultureInfo.InvariantCulture),
                },
            };
            output.WriteLine(audit.Report());
            output.WriteLine("summary: " + audit.WriteSummary());

            var why = audit.Report() + Environment.NewLine + "Last log lines:" + Environment.NewLine + host.Logs.LastLines();
            Assert.True(warningsDuringOutage > 0, "the dev host logged nothing while Storage was down. " + why);
            Assert.True(reconnected > 0, "no queue runner said Storage could be reached again. " + why);
            Assert.True(audit.Lost == 0, why);
            Assert.True(audit.ViolationCount == 0, why);
            Assert.True(audit.UnknownJobs == 0, why);
            Assert.True(audit.RoomsWithTwoAgents == 0, why);
            Assert.True(audit.Duplicates == 0, why);
            Assert.True(audit.Expired == 0, why);
            // An answer in hand is recorded once Storage is back (the runner keeps trying while its
            // claim lasts), never thrown away and left for the sweep to call unknown.
            Assert.True(audit.UnknownWithAgent == 0, why);
        }
        finally
        {
            if (azurite is not null)
            {
                await azurite.DisposeAsync();
            }

            location.Delete(recursive: true);
        }
    }

    private static async Task<AzuriteProcess> StartPersistentAzuriteAsync(string location)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // AzuriteProcess starts it on 127.0.0.1 with --disableTelemetry, always (asserted in AzuriteProcessTests).
                return await AzuriteProcess.StartPersistentAsync(
                    RepositoryFiles.Root, location, PortOutsideEphemeralRange(), PortOutsideEphemeralRange(), PortOutsideEphemeralRange());
            }
            catch (IOException) when (attempt < 3)
            {
                // A free port can be taken between the probe and Azurite's bind: try other ports.
            }
        }
    }

    /// <summary>
    /// A free loopback port below the ephemeral ranges (Linux 32768+, Windows and macOS 49152+): while
    /// Azurite is down, the port it must get back cannot be handed to some outgoing connection.
    /// </summary>
    private static int PortOutsideEphemeralRange()
    {
        while (true)
        {
            var port = Random.Shared.Next(20000, 32000);
            var listener = new TcpListener(IPAddress.Loopback, port);
            try
            {
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
            }
            finally
            {
                listener.Stop();
            }
        }
    }
}
