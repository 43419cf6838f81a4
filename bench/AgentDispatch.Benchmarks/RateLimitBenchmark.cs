using System.Globalization;

namespace AgentDispatch.Benchmarks;

/// <summary>
/// <c>VideoSdk:RateLimit</c> under a burst: 16 clients hammer <c>POST /api/dispatch</c> on a dev host
/// limited to 50 requests a second (burst 50); the emulator, a separate process, records when each
/// request arrived. Measured: the rate the emulator saw after the first second (the burst spent)
/// against the setting, and how many callers were told 503 to come back later.
/// </summary>
public static class RateLimitBenchmark
{
    private const int RequestsPerSecond = 50;
    private const string Body = """{"meetingId":"rate-limit-room","agentId":"bench-agent"}""";

    public static async Task RunAsync(BenchmarkRig rig, BenchmarkSettings settings, Report report)
    {
        Console.WriteLine($"Rate limit: {settings.Concurrency} clients against VideoSdk:RateLimit:RequestsPerSecond={RequestsPerSecond} ...");
        await using var emulator = await EmulatorProcess.StartAsync(TimeSpan.Zero, maxRecords: 100_000);
        var devHost = await rig.StartDevHostAsync(
            emulator.BaseAddress,
            string.Create(CultureInfo.InvariantCulture, $"--VideoSdk:RateLimit:RequestsPerSecond={RequestsPerSecond}"),
            string.Create(CultureInfo.InvariantCulture, $"--VideoSdk:RateLimit:Burst={RequestsPerSecond}"),
            "--VideoSdk:RateLimit:MaxWait=00:00:00.500");
        try
        {
            var target = new Uri(devHost.Urls.First() + "/api/dispatch");
            await emulator.ClearAsync();
            var load = await LoadGenerator.RunAsync(target, Body, settings.Concurrency, settings.Duration);
            var received = (await emulator.GetDispatchesAsync()).Select(r => r.ReceivedAt).Order().ToArray();
            var steadyFrom = received[0] + TimeSpan.FromSeconds(1);
            var steady = received.Where(r => r >= steadyFrom).ToArray();
            var seconds = (steady[^1] - steady[0]).TotalSeconds;
            var rate = (steady.Length - 1) / seconds;
            report.Row(
                $"rate limit {RequestsPerSecond}/s (burst {RequestsPerSecond}) under {settings.Concurrency} clients: requests/s VideoSDK saw after the first second",
                Report.N(RequestsPerSecond),
                Report.N(rate, "F1"),
                Report.N(rate / RequestsPerSecond, "F2"),
                "≤ 1.05");
            report.Row(
                "rate limit: callers answered 503 rate-limited / sent in all",
                "",
                $"{load.Failures} / {load.Requests}",
                "",
                "(reported)");
        }
        finally
        {
            await devHost.StopAsync();
            await devHost.DisposeAsync();
        }
    }
}
