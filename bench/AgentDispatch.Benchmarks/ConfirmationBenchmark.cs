using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.VideoSdkEmulator;

namespace AgentDispatch.Benchmarks;

/// <summary>
/// Join confirmation, per <c>Confirmation:Mode</c>: jobs for now through <c>POST /api/dispatches</c>,
/// the emulated agent joining its room 1 s after each assigned dispatch. Measured: the time from the
/// agent's join in the emulator to <c>joined</c> written in the ledger (the job's <c>updatedAt</c>; one
/// machine, one clock), and the rooms and sessions API requests each confirmed dispatch cost.
/// </summary>
public static class ConfirmationBenchmark
{
    private static readonly string[] Modes = ["Webhook", "SessionApi", "Both"];

    public static async Task RunAsync(BenchmarkRig rig, BenchmarkSettings settings, Report report)
    {
        var n = settings.ConfirmedJobs;
        foreach (var mode in Modes)
        {
            Console.WriteLine($"Join confirmation, Confirmation:Mode={mode}: {n} dispatches ...");
            var options = new EmulatorOptions { JoinDelay = TimeSpan.FromSeconds(1) };
            await using var emulator = await VideoSdkEmulatorApp.StartAsync(options);
            var devHost = await rig.StartDevHostAsync(emulator.BaseAddress, $"--Confirmation:Mode={mode}");
            try
            {
                var app = new Uri(devHost.Urls.First().TrimEnd('/') + "/");
                // Read at every event: set once the dev host has bound its port.
                options.WebhookUrl = new Uri(app, "api/webhooks/videosdk").AbsoluteUri;
                // Warm-up, not measured: the JIT, the emulator's signing key (made on first use) and the
                // app's first read of VideoSDK's public key would otherwise land on the first mode's figures.
                await ConfirmAsync(app, emulator, mode + "-warm", 8);
                var before = emulator.State.RoomApiRequests;
                var (latencies, joined, byWebhook) = await ConfirmAsync(app, emulator, mode, n);
                var calls = (double)(emulator.State.RoomApiRequests - before) / Math.Max(1, joined);
                double P(double p) => latencies.Length == 0 ? double.NaN : latencies[(int)Math.Min(latencies.Length - 1, Math.Floor(p * latencies.Length))];
                report.Row(
                    $"join → joined in the ledger, Mode={mode}: p50 / p99 ms ({joined} of {n} joined, {byWebhook} by webhook)",
                    "",
                    $"{Report.N(P(0.5))} / {Report.N(P(0.99))}",
                    "",
                    mode == "SessionApi" ? "p99 ≤ poll interval + 1 s" : "p99 ≤ 1000");
                report.Row(
                    $"rooms and sessions API requests per confirmed dispatch, Mode={mode}",
                    "",
                    Report.N(calls, "F2"),
                    "",
                    mode == "Webhook" ? "0" : "(reported)");
            }
            finally
            {
                await devHost.StopAsync();
                await devHost.DisposeAsync();
            }
        }

        report.Note("Join confirmation: the agent joins 1 s after its dispatch is assigned; `Confirmation:PollInterval` is 2 s. Latency is from the join the emulator recorded to the job's `updatedAt` when it became `joined`.");
    }

    private static async Task<(double[] Latencies, int Joined, int ByWebhook)> ConfirmAsync(Uri app, RunningEmulator emulator, string mode, int n)
    {
        using var client = new HttpClient { BaseAddress = app };
        var ids = new ConcurrentDictionary<string, string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, n), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, ct) =>
        {
            var meetingId = FormattableString.Invariant($"cnf-{mode}-{i:0000}");
            using var response = await client.PostAsync(
                "api/dispatches",
                new StringContent($$"""{"meetingId":"{{meetingId}}","agentId":"bench-agent"}""", Encoding.UTF8, "application/json"),
                ct);
            response.EnsureSuccessStatusCode();
            ids[meetingId] = (string)JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!["id"]!;
        });

        var done = new ConcurrentDictionary<string, JsonNode>();
        var deadline = Stopwatch.StartNew();
        while (done.Count < n && deadline.Elapsed < TimeSpan.FromMinutes(3))
        {
            await Task.Delay(250);
            await Parallel.ForEachAsync(ids.Where(p => !done.ContainsKey(p.Key)), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (pair, ct) =>
            {
                var job = JsonNode.Parse(await client.GetStringAsync($"api/dispatches/{pair.Value}", ct))!;
                if ((string?)job["state"] is "joined" or "not-joined" or "failed" or "expired")
                {
                    done[pair.Key] = job;
                }
            });
        }

        var latencies = new List<double>();
        var byWebhook = 0;
        foreach (var (meetingId, job) in done.Where(d => (string?)d.Value["state"] == "joined"))
        {
            var agent = emulator.State.GetRoom(meetingId)?.Sessions.SelectMany(s => s.Participants).FirstOrDefault(p => p.AgentId is not null);
            if (agent is null)
            {
                continue;
            }

            var joinedInRoom = new DateTimeOffset(DateTime.SpecifyKind(agent.Timelog[0].Start, DateTimeKind.Utc));
            var recorded = DateTimeOffset.Parse((string)job["updatedAt"]!, CultureInfo.InvariantCulture);
            latencies.Add((recorded - joinedInRoom).TotalMilliseconds);
            byWebhook += (string?)job["confirmedBy"] == "webhook" ? 1 : 0;
        }

        return ([.. latencies.Order()], latencies.Count, byWebhook);
    }
}
