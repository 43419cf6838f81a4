using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using AgentDispatch.Dispatch;
using AgentDispatch.Events;
using AgentDispatch.Events.Routing;
using AgentDispatch.Jobs;
using AgentDispatch.Testing;
using AgentDispatch.Testing.Webhooks;
using AgentDispatch.Webhooks.Standard;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AgentDispatch.Benchmarks;

/// <summary>
/// Signed Standard Webhooks deliveries accepted per second by <c>POST /api/webhooks/standard</c>
/// (read, verify, parse, find the meeting, route, store, 202) against a bare endpoint on the same dev
/// host that only stores the job through the same <see cref="SourceJobs"/> call (ledger lookups, insert,
/// wake-up message) and answers 202. Every delivery is for a new meeting, so each stores a new job.
/// </summary>
/// <remarks>
/// Each timed run gets a dev host of its own, and with it an empty ledger table and wake queue, dropped
/// after the run: an in-memory Azurite table slows sharply as it fills (store-only runs on one table fell
/// from ~350/s to ~100/s over six runs), which would make the order of the runs, not the code, decide
/// the ratio. Both paths are bound by Azurite here; the row "verify + parse + meeting id + route" shows
/// what the webhook path itself costs in CPU.
/// </remarks>
public static class WebhookIngestBenchmark
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string BareRoute = "/bench/store";
    private const string Agent = "bench-agent";
    private const string MeetingIdSlot = "BENCH-MEETING-ID";

    /// <summary>One delivery as a sender would send it: the raw body and the three Standard Webhooks headers.</summary>
    private sealed record Delivery(byte[] Body, string Id, string Timestamp, string Signature);

    private sealed record IngestResult(
        string Label, int Sent, int Accepted, IReadOnlyDictionary<int, int> Refused, double Seconds, double P50Ms, double P99Ms, bool RanOut, CpuUse Cpu)
    {
        public double PerSecond => Accepted / Seconds;
    }

    /// <summary>Processor time over a run: this process (dev host and senders) and Azurite (null where it cannot be read).</summary>
    private readonly record struct CpuUse(TimeSpan Self, TimeSpan? Azurite);

    public static async Task RunAsync(BenchmarkRig rig, BenchmarkSettings settings, Report report)
    {
        Console.WriteLine($"Webhook ingest: signed deliveries to /api/webhooks/standard vs a store-only endpoint on the same host, {settings.Concurrency} senders ...");
        await using var emulator = await EmulatorProcess.StartAsync(TimeSpan.Zero);
        // AzuriteProcess starts it on 127.0.0.1 with --disableTelemetry, always (asserted in AzuriteProcessTests).
        using var azurite = FindAzurite(rig.Azurite.TablePort);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, UseCookies = false };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };

        // Warm both paths on a throw-away host for a full run each: tiered JIT here and V8 in Azurite
        // keep speeding up for several seconds (runs after 2 s of warming were still up to ~30% slower
        // than later ones). It also tells how many deliveries a timed run needs, so that they can all be
        // signed before its clock starts.
        double warmRate;
        double verifyMicroseconds;
        var warmHost = await StartHostAsync(rig, emulator);
        try
        {
            var warmBare = await SendAsync(client, Target(warmHost.App, BareRoute), "warm-bare", Prepare("warm-bare", 20_000), settings.Concurrency, settings.Duration, azurite);
            var warmOurs = await SendAsync(client, Target(warmHost.App, "/api/webhooks/standard"), "warm-ours", Prepare("warm-ours", 20_000), settings.Concurrency, settings.Duration, azurite);
            warmRate = Math.Max(warmBare.PerSecond, warmOurs.PerSecond);
            verifyMicroseconds = MeasureVerifyAndRoute(warmHost.App.Services);
        }
        finally
        {
            await StopAsync(rig, warmHost);
        }

        var needed = (int)(warmRate * settings.Duration.TotalSeconds * 3) + (settings.Concurrency * 100);

        // Bare, ours, ours, bare, as in the other sections: drift over the section falls on both sides alike.
        var runs = new List<IngestResult>();
        foreach (var (label, route) in new[] { ("bare-1", BareRoute), ("ours-1", "/api/webhooks/standard"), ("ours-2", "/api/webhooks/standard"), ("bare-2", BareRoute) })
        {
            var host = await StartHostAsync(rig, emulator);
            try
            {
                var target = Target(host.App, route);
                // Creates this host's table and queue and opens its connections, outside the clock.
                await SendAsync(client, target, label + "-prime", Prepare(label + "-prime", settings.Concurrency * 2), settings.Concurrency, TimeSpan.FromSeconds(30), azurite);

                // Signed just before the run: a run lasts seconds, well inside the 5-minute tolerance.
                var deliveries = Prepare(label, needed);
                GC.Collect();
                runs.Add(await SendAsync(client, target, label, deliveries, settings.Concurrency, settings.Duration, azurite));
            }
            finally
            {
                await StopAsync(rig, host);
            }
        }

        var bares = runs.Where(r => r.Label.StartsWith("bare", StringComparison.Ordinal)).ToList();
        var ours = runs.Where(r => r.Label.StartsWith("ours", StringComparison.Ordinal)).ToList();
        var bareRate = bares.Average(r => r.PerSecond);
        var oursRate = ours.Average(r => r.PerSecond);
        report.Row(
            "webhook ingest accepted/s (bare = store only)",
            $"{Report.N(bareRate)} ({string.Join(", ", bares.Select(r => Report.N(r.PerSecond)))})",
            $"{Report.N(oursRate)} ({string.Join(", ", ours.Select(r => Report.N(r.PerSecond)))})",
            Report.N(oursRate / bareRate, "F2"),
            "≥ 0.80");
        report.Row(
            "webhook ack p50 / p99 ms",
            $"{Report.N(bares.Average(r => r.P50Ms), "F2")} / {Report.N(bares.Average(r => r.P99Ms), "F2")}",
            $"{Report.N(ours.Average(r => r.P50Ms), "F2")} / {Report.N(ours.Average(r => r.P99Ms), "F2")}",
            "",
            "p99 < 1000 ms");
        report.Row("webhook ingest CPU µs per accepted delivery: this process (dev host + senders) / Azurite; Azurite busy (of one core)", Cpu(bares), Cpu(ours), "", "(reported)");
        report.Row("webhook verify + parse + meeting id + route, µs per delivery (one thread, no I/O)", "", Report.N(verifyMicroseconds, "F1"), "", "(reported)");

        var refused = runs.Where(r => r.Refused.Count > 0).ToList();
        if (refused.Count > 0)
        {
            report.Row(
                "webhook ingest non-202 answers",
                string.Join(", ", refused.Where(r => r.Label.StartsWith("bare", StringComparison.Ordinal)).Select(Describe)),
                string.Join(", ", refused.Where(r => r.Label.StartsWith("ours", StringComparison.Ordinal)).Select(Describe)),
                "",
                "0");
        }

        if (runs.Any(r => r.RanOut))
        {
            report.Note($"Webhook ingest: a run used all {needed:N0} deliveries signed for it and ended early; its rate is over the time it ran.");
        }
    }

    /// <summary>
    /// What the webhook path adds to the store, measured alone: the signature check on the raw bytes,
    /// the payload parse, the meeting-id search and the routing, with the app's own components.
    /// </summary>
    private static double MeasureVerifyAndRoute(IServiceProvider services)
    {
        var finder = services.GetRequiredService<MeetingIdFinder>();
        var router = services.GetRequiredService<Router>();
        var keys = StandardWebhookSignature.ParseSecrets(Secret);
        var deliveries = Prepare("verify", 5_000);
        var routed = 0;
        for (var pass = 0; pass < 2; pass++)
        {
            // The first pass warms up; the second is timed.
            var clock = Stopwatch.StartNew();
            foreach (var d in deliveries)
            {
                var check = StandardWebhookSignature.Verify(d.Id, d.Timestamp, d.Signature, d.Body, keys, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
                var parsed = StandardMeetingEvents.Parse(d.Body, check.SignedAt!.Value);
                var (meetingId, _) = finder.Find(parsed.Event!);
                routed += router.Match(parsed.Event!, meetingId!) is null ? 0 : 1;
            }

            if (pass == 1)
            {
                if (routed != 2 * deliveries.Length)
                {
                    throw new InvalidOperationException($"Only {routed} of {2 * deliveries.Length} deliveries verified and routed.");
                }

                return clock.Elapsed.TotalMicroseconds / deliveries.Length;
            }
        }

        throw new UnreachableException();
    }

    private static Uri Target(WebApplication host, string route) => new(host.Urls.First() + route);

    /// <summary>A dev host with its own ledger table and wake queue, named here so that they can be dropped after its run.</summary>
    private sealed record Host(WebApplication App, string Ledger, string Wake);

    private static async Task<Host> StartHostAsync(BenchmarkRig rig, EmulatorProcess emulator)
    {
        var ledger = AzuriteFixture.UniqueName("webhookledger");
        var wake = AzuriteFixture.UniqueName("webhookwake");
        var app = await rig.StartDevHostAsync(
            emulator.BaseAddress,
            MapBareStore,
            $"--Jobs:LedgerTable={ledger}",
            $"--DISPATCH_WAKE_QUEUE={wake}",
            $"--Webhooks:Standard:Secret={Secret}",
            "--Routing:Rules:0:Name=bench",
            $"--Routing:Rules:0:AgentId={Agent}",
            "--Routing:Rules:0:LeadTime=00:01:00");
        return new Host(app, ledger, wake);
    }

    /// <summary>Stops the host and drops its table and queue: Azurite keeps everything in memory, and a fuller Azurite is a slower one.</summary>
    private static async Task StopAsync(BenchmarkRig rig, Host host)
    {
        await host.App.StopAsync();
        await host.App.DisposeAsync();
        await new TableClient(rig.Azurite.ConnectionString, host.Ledger).DeleteAsync();
        await new QueueClient(rig.Azurite.ConnectionString, host.Wake).DeleteIfExistsAsync();
    }

    /// <summary>
    /// The baseline: what the webhook path must do anyway, and nothing else. It reads the body (and drops
    /// it) and stores a job for the delivery through the app's own <see cref="SourceJobs"/>, keyed by the
    /// delivery id: the same ledger lookups, insert and wake-up message as the webhook path, without the
    /// signature check, the payload parse, the meeting-id search and the routing.
    /// </summary>
    private static void MapBareStore(WebApplication app)
    {
        var jobs = app.Services.GetRequiredService<SourceJobs>();
        var stopping = app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        app.MapPost(BareRoute, async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null, stopping);
            var id = context.Request.Headers[StandardWebhookSignature.IdHeader].ToString();
            var dispatchAt = DateTimeOffset.UtcNow.AddHours(3);
            var request = new DispatchJobRequest(new DispatchRequest("stnd-0001-mtng", Agent), dispatchAt, dispatchAt.AddMinutes(10)) { SourceKey = "standard:" + id };
            // The change's time and delivery id as the webhook path records them, so that both store the same row.
            var result = await jobs.ScheduleAsync(request, JobSources.StandardWebhook, new SourceChange(DateTimeOffset.UtcNow, id), stopping);
            context.Response.StatusCode = result.Status == SourceJobStatus.Created ? StatusCodes.Status202Accepted : StatusCodes.Status409Conflict;
        });
    }

    /// <summary><paramref name="count"/> deliveries of <c>meeting.scheduled</c>, each for its own meeting a few hours ahead, signed now.</summary>
    private static Delivery[] Prepare(string run, int count)
    {
        var text = Encoding.UTF8.GetString(WebhookPayloads.Standard("meeting.scheduled", MeetingIdSlot, DateTimeOffset.UtcNow.AddHours(3)));
        var signedAt = DateTimeOffset.UtcNow;
        var timestamp = signedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var deliveries = new Delivery[count];
        Parallel.For(0, count, i =>
        {
            var body = Encoding.UTF8.GetBytes(text.Replace(MeetingIdSlot, $"bench-{run}-{i}", StringComparison.Ordinal));
            var id = $"msg_{run}_{i}";
            deliveries[i] = new Delivery(body, id, timestamp, StandardWebhookSignature.Sign(id, signedAt, body, Secret));
        });
        return deliveries;
    }

    /// <summary>Closed loop: <paramref name="concurrency"/> senders, each sending the next unsent delivery as soon as its last is answered.</summary>
    private static async Task<IngestResult> SendAsync(
        HttpClient client, Uri target, string label, Delivery[] deliveries, int concurrency, TimeSpan duration, Process? azurite)
    {
        var next = -1;
        var accepted = 0;
        var ranOut = false;
        var refused = new Dictionary<int, int>();
        var latencies = new List<double>[concurrency];
        var cpuBefore = Cpu(azurite);
        var clock = Stopwatch.StartNew();

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async sender =>
        {
            var mine = latencies[sender] = new List<double>(32 * 1024);
            while (clock.Elapsed < duration)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= deliveries.Length)
                {
                    ranOut = true;
                    return;
                }

                var delivery = deliveries[i];
                using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new ByteArrayContent(delivery.Body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.TryAddWithoutValidation(StandardWebhookSignature.IdHeader, delivery.Id);
                request.Headers.TryAddWithoutValidation(StandardWebhookSignature.TimestampHeader, delivery.Timestamp);
                request.Headers.TryAddWithoutValidation(StandardWebhookSignature.SignatureHeader, delivery.Signature);

                var started = Stopwatch.GetTimestamp();
                using var response = await client.SendAsync(request);
                await response.Content.LoadIntoBufferAsync();
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    Interlocked.Increment(ref accepted);
                }
                else
                {
                    lock (refused)
                    {
                        refused[(int)response.StatusCode] = refused.GetValueOrDefault((int)response.StatusCode) + 1;
                    }
                }
            }
        }));

        var elapsed = clock.Elapsed.TotalSeconds;
        var cpuAfter = Cpu(azurite);
        var all = latencies.SelectMany(l => l).Order().ToArray();
        var cpu = new CpuUse(cpuAfter.Self - cpuBefore.Self, cpuAfter.Azurite - cpuBefore.Azurite);
        var result = new IngestResult(label, all.Length, accepted, refused, elapsed, Percentile(all, 0.50), Percentile(all, 0.99), ranOut, cpu);
        Console.WriteLine(
            $"  {label}: {result.Accepted} accepted of {result.Sent} in {elapsed:F1} s = {result.PerSecond:F0}/s, p50 {result.P50Ms:F2} ms, p99 {result.P99Ms:F2} ms; "
            + $"CPU this process {cpu.Self.TotalSeconds / elapsed:P0}, Azurite {(cpu.Azurite is { } a ? (a.TotalSeconds / elapsed).ToString("P0", CultureInfo.InvariantCulture) : "n/a")}");
        return result;
    }

    private static CpuUse Cpu(Process? azurite)
    {
        TimeSpan? azuriteTime = null;
        if (azurite is not null)
        {
            try
            {
                azurite.Refresh();
                azuriteTime = azurite.TotalProcessorTime;
            }
            catch (InvalidOperationException)
            {
                // Exited, or not readable here: reported as n/a.
            }
        }

        return new CpuUse(Environment.CpuUsage.TotalTime, azuriteTime);
    }

    /// <summary>"self / Azurite µs; Azurite busy %" averaged over runs.</summary>
    private static string Cpu(IReadOnlyList<IngestResult> runs)
    {
        var accepted = runs.Sum(r => r.Accepted);
        var self = runs.Sum(r => r.Cpu.Self.TotalMicroseconds) / accepted;
        if (runs.Any(r => r.Cpu.Azurite is null))
        {
            return $"{Report.N(self)} / n/a";
        }

        var azurite = runs.Sum(r => r.Cpu.Azurite!.Value.TotalMicroseconds);
        return $"{Report.N(self)} / {Report.N(azurite / accepted)}; {Report.N(azurite / 1e6 / runs.Sum(r => r.Seconds), "P0")}";
    }

    /// <summary>The Azurite node process serving this table port, found by its command line (Linux); null elsewhere.</summary>
    private static Process? FindAzurite(int tablePort)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var wanted = $"\0--tablePort\0{tablePort.ToString(CultureInfo.InvariantCulture)}\0";
        foreach (var process in Process.GetProcessesByName("node"))
        {
            try
            {
                if (File.ReadAllText($"/proc/{process.Id}/cmdline").Contains(wanted, StringComparison.Ordinal))
                {
                    return process;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to read.
            }

            process.Dispose();
        }

        return null;
    }

    private static string Describe(IngestResult run)
        => $"{run.Label}: {string.Join(" ", run.Refused.OrderBy(r => r.Key).Select(r => $"{r.Value}×{r.Key}"))} of {run.Sent}";

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(p * sorted.Length))];
}
