namespace AgentDispatch.Benchmarks;

/// <summary>
/// Dispatches per second through <c>POST /api/dispatch</c> on the dev host into the emulator, against
/// the same requests sent straight to the emulator; with an upstream that answers at once and one
/// that takes a realistic time.
/// </summary>
public static class PassThroughBenchmark
{
    private const string Body = """{"meetingId":"abcd-efgh-ijkl","agentId":"bench-agent","metadata":{"variables":[{"name":"fname","value":"ankit"}]}}""";

    public static async Task RunAsync(BenchmarkRig rig, BenchmarkSettings settings, Report report)
    {
        Console.WriteLine("Pass-through: POST /api/dispatch vs straight to the emulator ...");
        foreach (var latency in new[] { TimeSpan.Zero, settings.UpstreamLatency })
        {
            await using var emulator = await EmulatorProcess.StartAsync(latency);
            var devHost = await rig.StartDevHostAsync(emulator.BaseAddress);
            try
            {
                var direct = new Uri(emulator.BaseAddress, "v2/agent/dispatch");
                var ours = new Uri(devHost.Urls.First() + "/api/dispatch");

                // Warm both paths (JIT, connection pools), then alternate to spread drift over both.
                await LoadGenerator.RunAsync(direct, Body, settings.Concurrency, TimeSpan.FromSeconds(2), BenchmarkRig.Token);
                await LoadGenerator.RunAsync(ours, Body, settings.Concurrency, TimeSpan.FromSeconds(2));
                var runs = new List<(LoadResult Direct, LoadResult Ours)>();
                for (var i = 0; i < 2; i++)
                {
                    var d = await LoadGenerator.RunAsync(direct, Body, settings.Concurrency, settings.Duration, BenchmarkRig.Token);
                    var o = await LoadGenerator.RunAsync(ours, Body, settings.Concurrency, settings.Duration);
                    runs.Add((d, o));
                }

                var directRate = runs.Average(r => r.Direct.PerSecond);
                var oursRate = runs.Average(r => r.Ours.PerSecond);
                var label = latency == TimeSpan.Zero ? "upstream answers at once (CPU-bound)" : $"upstream answers in {latency.TotalMilliseconds:F0} ms";
                report.Row($"pass-through dispatches/s, {label}", Report.N(directRate), Report.N(oursRate), Report.N(oursRate / directRate, "F2"), latency == TimeSpan.Zero ? "(reported)" : "≥ 0.80");
                report.Row(
                    $"pass-through p50 / p99 ms, {label}",
                    $"{Report.N(runs.Average(r => r.Direct.P50Ms), "F2")} / {Report.N(runs.Average(r => r.Direct.P99Ms), "F2")}",
                    $"{Report.N(runs.Average(r => r.Ours.P50Ms), "F2")} / {Report.N(runs.Average(r => r.Ours.P99Ms), "F2")}",
                    "",
                    "");
                var failures = runs.Sum(r => r.Direct.Failures + r.Ours.Failures);
                if (failures > 0)
                {
                    report.Row($"pass-through non-200 answers, {label}", "", Report.N(failures), "", "0");
                }
            }
            finally
            {
                await devHost.StopAsync();
                await devHost.DisposeAsync();
            }
        }
    }
}
