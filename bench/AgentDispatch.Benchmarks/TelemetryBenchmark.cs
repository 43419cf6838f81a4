using AgentDispatch.Functions.Telemetry;
using AgentDispatch.Testing.Otlp;

namespace AgentDispatch.Benchmarks;

/// <summary>
/// What OpenTelemetry costs: pass-through dispatches per second (<c>POST /api/dispatch</c> into an
/// emulator that answers at once, so the app is CPU-bound and any overhead shows) with telemetry off,
/// against the same with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set — every span and metric exported over
/// OTLP/HTTP to a loopback receiver that accepts and discards. Off and on alternate, each on a fresh
/// dev host, and never run side by side: span listeners are per process, so an "on" host running
/// would trace the "off" one too.
/// </summary>
public static class TelemetryBenchmark
{
    private const string Body = """{"meetingId":"telemetry-room","agentId":"bench-agent"}""";

    public static async Task RunAsync(BenchmarkRig rig, BenchmarkSettings settings, Report report)
    {
        Console.WriteLine("Telemetry: pass-through with OTLP export on vs off ...");
        await using var emulator = await EmulatorProcess.StartAsync(TimeSpan.Zero);
        await using var receiver = await OtlpReceiver.StartAsync(keep: false);
        var off = new List<LoadResult>();
        var on = new List<LoadResult>();
        for (var round = 0; round < 2; round++)
        {
            off.Add(await MeasureAsync(rig, settings, emulator.BaseAddress));
            on.Add(await MeasureAsync(rig, settings, emulator.BaseAddress, $"--{TelemetryExporters.OtlpEndpointSetting}={receiver.Endpoint.AbsoluteUri.TrimEnd('/')}"));
        }

        var offRate = off.Average(r => r.PerSecond);
        var onRate = on.Average(r => r.PerSecond);
        report.Row(
            "pass-through dispatches/s, telemetry off (baseline) vs on (OTLP/HTTP to a loopback receiver), upstream answers at once",
            Report.N(offRate),
            Report.N(onRate),
            Report.N(onRate / offRate, "F2"),
            "(reported)");
        report.Row(
            "telemetry on: p50 / p99 ms, off vs on",
            $"{Report.N(off.Average(r => r.P50Ms), "F2")} / {Report.N(off.Average(r => r.P99Ms), "F2")}",
            $"{Report.N(on.Average(r => r.P50Ms), "F2")} / {Report.N(on.Average(r => r.P99Ms), "F2")}",
            "",
            "");
        report.Row("telemetry on: OTLP export requests the receiver accepted", "", Report.N(receiver.Exports), "", "> 0");
        var failures = off.Concat(on).Sum(r => r.Failures);
        if (failures > 0)
        {
            report.Row("telemetry: non-200 answers", "", Report.N(failures), "", "0");
        }
    }

    private static async Task<LoadResult> MeasureAsync(BenchmarkRig rig, BenchmarkSettings settings, Uri videoSdk, params string[] telemetry)
    {
        var devHost = await rig.StartDevHostAsync(videoSdk, telemetry);
        try
        {
            var target = new Uri(devHost.Urls.First() + "/api/dispatch");
            await LoadGenerator.RunAsync(target, Body, settings.Concurrency, TimeSpan.FromSeconds(2));
            return await LoadGenerator.RunAsync(target, Body, settings.Concurrency, settings.Duration);
        }
        finally
        {
            // Stopping flushes what the exporter still holds: the "on" run pays for all it recorded.
            await devHost.StopAsync();
            await devHost.DisposeAsync();
        }
    }
}
