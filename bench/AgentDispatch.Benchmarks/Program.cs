using AgentDispatch.Benchmarks;

var settings = BenchmarkSettings.Parse(args);
var report = new Report();

// Each section gets a fresh Azurite: an in-memory Azurite slows as it fills, and one section's
// leftovers must not weigh on the next one's figures.
if (settings.Runs("passthrough"))
{
    await using var rig = await BenchmarkRig.StartAsync();
    await PassThroughBenchmark.RunAsync(rig, settings, report);
}

if (settings.Runs("keyvault"))
{
    await ClientBenchmarks.KeyVaultReadsAsync(settings, report);
}

if (settings.Runs("allocations"))
{
    await ClientBenchmarks.AllocationsAsync(settings, report);
}

if (settings.Runs("queue"))
{
    await using var rig = await BenchmarkRig.StartAsync();
    await QueueDrainBenchmark.RunAsync(rig, settings, report);
}

if (settings.Runs("schedule"))
{
    await using var rig = await BenchmarkRig.StartAsync();
    await SchedulingBenchmark.RunAsync(rig, settings, report);
}

if (settings.Runs("webhooks"))
{
    await using var rig = await BenchmarkRig.StartAsync();
    await WebhookIngestBenchmark.RunAsync(rig, settings, report);
}

if (settings.Runs("confirm"))
{
    await using var rig = await BenchmarkRig.StartAsync();
    await ConfirmationBenchmark.RunAsync(rig, settings, report);
}

if (settings.Runs("ratelimit"))
{
    await using var rig = await BenchmarkRig.StartAsync();
    await RateLimitBenchmark.RunAsync(rig, settings, report);
}

if (settings.Runs("telemetry"))
{
    await using var rig = await BenchmarkRig.StartAsync();
    await TelemetryBenchmark.RunAsync(rig, settings, report);
}

if (settings.Runs("notify"))
{
    await using var rig = await BenchmarkRig.StartAsync();
    await NotificationBenchmark.RunAsync(rig, settings, report);
}

if (settings.Runs("ledger"))
{
    await using var rig = await BenchmarkRig.StartAsync();
    await LedgerScaleBenchmark.RunAsync(rig, settings, report);
}

if (settings.Runs("m365"))
{
    await using var rig = await BenchmarkRig.StartAsync();
    await Microsoft365Benchmark.RunAsync(rig, settings, report);
}

var markdown = report.ToMarkdown(settings);
Console.WriteLine();
Console.WriteLine(markdown);
if (settings.Output is { } path)
{
    await File.WriteAllTextAsync(path, markdown);
    Console.WriteLine($"Report written to {Path.GetFullPath(path)}");
}
