using System.Diagnostics;
using AgentDispatch.GraphEmulator;
using AgentDispatch.Jobs;
using AgentDispatch.Microsoft365;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Benchmarks;

/// <summary>
/// Microsoft 365 mailboxes through the dev host and its Graph stand-in (loopback HTTP, the real Graph SDK
/// client, Azurite). Measured: (1) from a meeting added in the stand-in to its job in the ledger, one
/// change at a time (notification → webhook → queue → delta → ledger), p50/p99, and the Graph requests
/// each change cost; (2) for N = 100 mailboxes, the subscription renewals and resync deltas per hour,
/// counted at the stand-in over a simulated day on a clock the app reads (its TimeProvider), with the
/// timer's pass run every simulated 30 minutes — and set against what the configured intervals predict.
/// </summary>
public static class Microsoft365Benchmark
{
    private const int Changes = 50;
    private const int Mailboxes = 100;
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan Simulated = TimeSpan.FromHours(25);

    public static async Task RunAsync(BenchmarkRig rig, BenchmarkSettings settings, Report report)
    {
        ArgumentNullException.ThrowIfNull(rig);
        ArgumentNullException.ThrowIfNull(report);
        await LatencyAsync(rig, report);
        await PerHourAsync(rig, report);
        report.Note(
            "Microsoft 365: the dev host's in-process Graph stand-in (delta pages of 10, notifications sent at once, no network latency); "
            + "requests per hour are counted at the stand-in over 25 simulated hours (the app's TimeProvider moved on 30 minutes per timer pass), "
            + "with Microsoft365:ResyncInterval 1 h, SubscriptionLifetime 2 days, RenewAtRemaining 0.5.");
    }

    private static async Task LatencyAsync(BenchmarkRig rig, Report report)
    {
        Console.WriteLine($"Microsoft 365: {Changes} meetings, one at a time, stand-in → ledger ...");
        var host = await rig.StartDevHostAsync(
            new Uri("http://127.0.0.1:9/"),
            "--DevHost:GraphEmulatorUrl=http://127.0.0.1:0",
            "--Microsoft365:Mailboxes:0:Name=bench",
            "--Microsoft365:Mailboxes:0:Mailbox=bench@contoso.example",
            "--Microsoft365:Mailboxes:0:AgentId=bench-agent",
            $"--Microsoft365:StateTable={Testing.AzuriteFixture.UniqueName("mailboxes")}",
            $"--MICROSOFT365_QUEUE={Testing.AzuriteFixture.UniqueName("m365")}");
        try
        {
            var graph = host.Services.GetRequiredService<RunningGraphEmulator>().State;
            var ledger = host.Services.GetRequiredService<DispatchLedger>();
            var store = host.Services.GetRequiredService<MailboxStateStore>();
            await Until(async () => (await store.GetAsync("bench", CancellationToken.None))?.DeltaLink is not null, TimeSpan.FromMinutes(1));
            var before = graph.Requests.Count;
            var latencies = new List<double>();
            var start = DateTimeOffset.UtcNow.AddHours(2);
            for (var i = 0; i < Changes; i++)
            {
                var clock = Stopwatch.StartNew();
                var id = graph.AddEvent("bench@contoso.example", $"Bench {i}", start.AddMinutes(i), joinUrl: "https://app.videosdk.live/meeting/benc-hmrk-0001");
                await Until(async () => await ledger.ResolveAsync($"microsoft365:bench\n{id}", CancellationToken.None) is not null, TimeSpan.FromSeconds(30));
                latencies.Add(clock.Elapsed.TotalMilliseconds);
            }

            var requests = graph.Requests.Skip(before).ToList();
            latencies.Sort();
            double P(double p) => latencies[(int)Math.Min(latencies.Count - 1, Math.Floor(p * latencies.Count))];
            report.Row($"Microsoft 365: change in the stand-in → job in the ledger, p50 / p99 ms ({Changes} changes, one at a time)", "", $"{Report.N(P(0.5))} / {Report.N(P(0.99))}", "", "p99 ≤ 5000");
            report.Row("Microsoft 365: Graph requests per change (delta pages)", "", Report.N((double)requests.Count / Changes, "F2"), "", "≈ 1");
        }
        finally
        {
            await host.StopAsync();
            await host.DisposeAsync();
        }
    }

    private static async Task PerHourAsync(BenchmarkRig rig, Report report)
    {
        Console.WriteLine($"Microsoft 365: {Mailboxes} mailboxes over {Simulated.TotalHours} simulated hours ...");
        var clock = new SteppedClock(DateTimeOffset.UtcNow);
        var settings = new List<string>
        {
            "--DevHost:GraphEmulatorUrl=http://127.0.0.1:0",
            $"--Microsoft365:StateTable={Testing.AzuriteFixture.UniqueName("mailboxes")}",
            $"--MICROSOFT365_QUEUE={Testing.AzuriteFixture.UniqueName("m365")}",
            // The dev host's own timer would run the pass on the real clock as well: off, the benchmark runs it.
            "--MICROSOFT365_SCHEDULE=0 0 0 1 1 *",
        };
        for (var i = 0; i < Mailboxes; i++)
        {
            settings.Add($"--Microsoft365:Mailboxes:{i}:Name=room{i:D3}");
            settings.Add($"--Microsoft365:Mailboxes:{i}:Mailbox=room{i:D3}@contoso.example");
        }

        var host = await rig.StartDevHostAsync(new Uri("http://127.0.0.1:9/"), services => services.AddSingleton<TimeProvider>(clock), null, [.. settings]);
        try
        {
            var graph = host.Services.GetRequiredService<RunningGraphEmulator>().State;
            var store = host.Services.GetRequiredService<MailboxStateStore>();
            var maintenance = host.Services.GetRequiredService<MailboxMaintenance>();
            var options = host.Services.GetRequiredService<IOptions<Microsoft365Options>>().Value;
            await Until(async () => (await store.ListAsync(CancellationToken.None)).Count(s => s.DeltaLink is not null) == Mailboxes, TimeSpan.FromMinutes(5));
            var before = graph.Requests.Count;
            for (var elapsed = TimeSpan.Zero; elapsed < Simulated; elapsed += Step)
            {
                clock.Advance(Step);
                await maintenance.RunAsync(CancellationToken.None);
                var now = clock.GetUtcNow();
                // Every due sync done: each mailbox's next sync is in the future again.
                await Until(async () => (await store.ListAsync(CancellationToken.None)).All(s => s.NextSyncAt > now), TimeSpan.FromMinutes(5));
            }

            var counted = graph.Requests.Skip(before).ToList();
            var hours = Simulated.TotalHours;
            var renewals = counted.Count(r => r.Kind is "renew" or "subscribe") / hours;
            var resyncs = counted.Count(r => r.Kind == "delta") / hours;
            var predictedResyncs = Mailboxes * (TimeSpan.FromHours(1) / options.ResyncInterval);
            var predictedRenewals = Mailboxes / (options.SubscriptionLifetime * (1 - options.RenewAtRemaining)).TotalHours;
            report.Row($"Microsoft 365, {Mailboxes} mailboxes: subscription renewals per hour (counted / from the intervals)", "", $"{Report.N(renewals, "F1")} / {Report.N(predictedRenewals, "F1")}", "", "≈ N / 24");
            report.Row($"Microsoft 365, {Mailboxes} mailboxes: resync deltas per hour, no changes (counted / from the intervals)", "", $"{Report.N(resyncs, "F1")} / {Report.N(predictedResyncs, "F1")}", "", "≈ N");
        }
        finally
        {
            await host.StopAsync();
            await host.DisposeAsync();
        }
    }

    private static async Task Until(Func<Task<bool>> condition, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException("The Microsoft 365 benchmark's condition did not hold in time.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>A clock the benchmark moves on by hand; timers still run on real time (none of the measured code waits on one).</summary>
    private sealed class SteppedClock(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
