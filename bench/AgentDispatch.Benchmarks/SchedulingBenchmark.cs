using System.Text;

namespace AgentDispatch.Benchmarks;

/// <summary>
/// How late scheduled agents go out: jobs due at spread-out times over a minute, created through
/// <c>POST /api/dispatches</c> on the dev host, lateness measured where the agent is dispatched.
/// </summary>
public static class SchedulingBenchmark
{
    public static async Task RunAsync(BenchmarkRig rig, BenchmarkSettings settings, Report report)
    {
        var n = settings.ScheduledJobs;
        Console.WriteLine($"Scheduling lateness: {n} jobs due over {settings.ScheduleSpread.TotalSeconds:F0} s ...");
        await using var emulator = await EmulatorProcess.StartAsync(TimeSpan.Zero, maxRecords: n + 100);
        var devHost = await rig.StartDevHostAsync(emulator.BaseAddress);
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri(devHost.Urls.First() + "/") };
            // Every job is created well before the first is due, so lateness is the scheduler's alone.
            var start = DateTimeOffset.UtcNow.AddSeconds(30);
            var due = new System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset>();
            var creating = System.Diagnostics.Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, n), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            {
                var at = start + (settings.ScheduleSpread * i / n);
                at = new DateTimeOffset(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
                due[$"sched-{i}"] = at;
                using var response = await client.PostAsync("api/dispatches", new StringContent(
                    $$"""{"meetingId":"sched-{{i}}","agentId":"bench-agent","dispatchAt":"{{at:O}}"}""", Encoding.UTF8, "application/json"), ct);
                response.EnsureSuccessStatusCode();
            });
            if (DateTimeOffset.UtcNow > start)
            {
                throw new InvalidOperationException($"Creating {n} jobs took {creating.Elapsed.TotalSeconds:F1} s, past the first one's due time: lateness would measure creation.");
            }

            var deadline = start + settings.ScheduleSpread + TimeSpan.FromSeconds(60);
            IReadOnlyList<ReceivedDispatch> received;
            while ((received = await emulator.GetDispatchesAsync()).Count < n && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(1000);
            }

            var lateness = received.Where(r => r.MeetingId is not null && due.ContainsKey(r.MeetingId))
                .Select(r => (r.ReceivedAt - due[r.MeetingId!]).TotalMilliseconds).Order().ToArray();
            double P(double p) => lateness[(int)Math.Min(lateness.Length - 1, Math.Floor(p * lateness.Length))];
            report.Row($"scheduling lateness of {n} jobs due over {settings.ScheduleSpread.TotalSeconds:F0} s: p50 / p99 / max ms", "", $"{Report.N(P(0.5))} / {Report.N(P(0.99))} / {Report.N(lateness[^1])}", "", "p99 ≤ 2000");
            report.Row("scheduled jobs dispatched early / missing / dispatched twice", "", $"{lateness.Count(l => l < 0)} / {n - received.Select(r => r.MeetingId).Distinct().Count()} / {received.Count - received.Select(r => r.MeetingId).Distinct().Count()}", "", "0 / 0 / 0");
        }
        finally
        {
            await devHost.StopAsync();
            await devHost.DisposeAsync();
        }
    }
}
