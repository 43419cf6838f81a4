using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentDispatch.Dispatch;
using AgentDispatch.Jobs;
using AgentDispatch.Storage;
using AgentDispatch.Testing;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace AgentDispatch.Benchmarks;

/// <summary>
/// The ledger at scale: one ledger grown through the given sizes (1,000, 10,000, 100,000 jobs), mostly
/// history in final states and a few hundred jobs scheduled weeks ahead. At each size: the storage
/// requests one sweep makes (counted in the Azure SDK's own pipeline) and its wall time, the lateness of
/// 200 jobs falling due among the history, and the time to list one meeting's jobs. The work due stays
/// the same at every size, so what grows with the history is what the ledger's design costs.
/// </summary>
public static class LedgerScaleBenchmark
{
    private const int Sweeps = 5;
    private const int DueJobs = 200;
    private const int ListRequests = 200;
    private const int ListWarmUp = 20;
    private const int PointReads = 50;
    private const int ProbeJobs = 8;
    private const int JobsPerMeeting = 10;
    private const int ImportChunk = 10_000;
    private static readonly TimeSpan DueSpread = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan DueLead = TimeSpan.FromSeconds(30);

    public static async Task RunAsync(BenchmarkRig rig, BenchmarkSettings settings, Report report)
    {
        var ledgerTable = AzuriteFixture.UniqueName("ledger");
        var wakeQueue = AzuriteFixture.UniqueName("wake");
        var requestsQueue = AzuriteFixture.UniqueName("requests");
        var counter = new StorageRequestCounter(new Dictionary<string, string>
        {
            [ledgerTable] = "ledger",
            [wakeQueue] = "wake",
            [requestsQueue] = "requests",
        });
        await using var emulator = await EmulatorProcess.StartAsync(TimeSpan.Zero, maxRecords: DueJobs + 100);
        var devHost = await rig.StartDevHostAsync(
            emulator.BaseAddress,
            services => services.AddSingleton(counter.CreateClients(rig.Azurite.ConnectionString)),
            null,
            $"--Jobs:LedgerTable={ledgerTable}",
            $"--DISPATCH_WAKE_QUEUE={wakeQueue}",
            $"--DISPATCH_REQUESTS_QUEUE={requestsQueue}");
        try
        {
            var history = new History(DateTimeOffset.UtcNow);
            var results = new List<SizeResult>();
            var total = 0;
            foreach (var size in settings.LedgerSizes)
            {
                // The due jobs of the sizes before stay in the ledger (assigned, final): they count toward this size.
                var seeding = await SeedAsync(devHost, counter, history, Math.Max(0, size - total));
                total = size;
                var sweep = await SweepAsync(devHost, counter);
                var floor = await AzuriteFloorAsync(rig.Azurite.ConnectionString, ledgerTable, history);
                var lateness = await LatenessAsync(devHost, emulator, size);
                total += DueJobs + ProbeJobs;
                var list = await ListAsync(devHost, counter, history);
                var result = new SizeResult(size, seeding, sweep, floor, lateness, list);
                results.Add(result);
                Rows(report, result);
            }

            Ratios(report, results);
            report.Note(
                $"Ledger at scale: one ledger grown to {string.Join(", ", settings.LedgerSizes.Select(s => Report.N(s, "N0")))} jobs (history in final states, "
                + "a few hundred scheduled weeks ahead, 10 jobs a meeting), each size measured before the next is seeded; the 200 due jobs of each size stay in the ledger as history. "
                + "Storage requests are counted in the Azure SDK pipeline of the dev host's own table and queue clients (a per-retry policy), only those the measured call made. "
                + "Azurite evaluates every table query by scanning the whole table in memory, where Azure reads only the partitions and key ranges asked for: "
                + "on Azurite, a query's wall time grows with the table even when the requests do not, so its own query of one meeting's index partition is measured at each size to show by how much. "
                + "Its point reads use an in-memory index on RowKey first, which is why each job row's key names its job.");
        }
        finally
        {
            await devHost.StopAsync();
            await devHost.DisposeAsync();
        }
    }

    private static void Rows(Report report, SizeResult r)
    {
        var at = $"ledger of {Report.N(r.Size, "N0")} jobs";
        report.Row(
            $"{at}: seeded {Report.N(r.Seeding.Jobs, "N0")} jobs, ImportAsync s (jobs/s; storage requests) + maintenance run s (storage requests)",
            "",
            $"{Report.N(r.Seeding.Import.TotalSeconds, "F1")} ({Report.N(r.Seeding.Jobs / r.Seeding.Import.TotalSeconds)}/s; {Report.N(r.Seeding.ImportRequests.Total, "N0")}) + "
            + $"{Report.N(r.Seeding.Maintenance.TotalSeconds, "F1")} ({Report.N(r.Seeding.MaintenanceRequests.Total, "N0")})",
            "",
            "(reported)");
        report.Row(
            $"{at}: storage requests per sweep, median of {Sweeps} ({r.Sweep.Median.Describe()}; woken / recovered {r.Sweep.Woken} / {r.Sweep.Recovered})",
            "",
            Report.N(r.Sweep.Median.Total),
            "",
            "same at every size, 0 scans");
        report.Row($"{at}: sweep wall time p50 / p99 ms ({Sweeps} sweeps: p99 is the slowest)", "", $"{Report.N(r.Sweep.P50Ms, "F1")} / {Report.N(r.Sweep.P99Ms, "F1")}", "", "(reported)");
        report.Row($"{at}: Azurite's point read of one job row, p50 ms ({PointReads} reads; the floor under a listing's reads and a dispatch's writes)", "", Report.N(r.Floor.PointReadMs, "F1"), "", "(reported)");
        report.Row($"{at}: Azurite's query of one meeting's index partition, p50 ms ({PointReads} queries; the floor under a listing: it scans the whole index table)", "", Report.N(r.Floor.QueryMs, "F1"), "", "(reported)");
        var creation = r.Lateness.CreationOverran is { } late ? $"; creating them ran {late.TotalSeconds:F1} s past the first due time" : "";
        report.Row(
            $"{at} + {DueJobs} due: lateness of {DueJobs} jobs due over {DueSpread.TotalSeconds:F0} s, the first {r.Lateness.Lead.TotalSeconds:F0} s after creating began{creation}: p50 / p99 / max ms",
            "",
            $"{Report.N(r.Lateness.P50Ms)} / {Report.N(r.Lateness.P99Ms)} / {Report.N(r.Lateness.MaxMs)}",
            "",
            "p99 ≤ 2000");
        report.Row($"{at} + {DueJobs} due: dispatched early / missing / twice", "", $"{r.Lateness.Early} / {r.Lateness.Missing} / {r.Lateness.Twice}", "", "0 / 0 / 0");
        report.Row(
            $"{at} + {DueJobs} due: GET /api/dispatches?meetingId= p50 / p99 ms ({ListRequests} sequential, {JobsPerMeeting} jobs a meeting, {r.List.Wrong} answers not {JobsPerMeeting}; {r.List.Requests.Describe()})",
            "",
            $"{Report.N(r.List.P50Ms, "F1")} / {Report.N(r.List.P99Ms, "F1")}",
            "",
            "p99 < 50 at 100,000");
    }

    /// <summary>The largest size against the smallest: the figures that should not grow with history, and two that may on Azurite.</summary>
    private static void Ratios(Report report, List<SizeResult> results)
    {
        if (results.Count < 2)
        {
            return;
        }

        var (first, last) = (results[0], results[^1]);
        var versus = $"{Report.N(last.Size, "N0")} vs {Report.N(first.Size, "N0")} jobs";
        static string Ratio(double of, double to) => to == 0 ? (of == 0 ? "1.00" : "∞") : Report.N(of / to, "F2");
        report.Row($"ledger: storage requests per sweep, {versus}", Report.N(first.Sweep.Median.Total), Report.N(last.Sweep.Median.Total), Ratio(last.Sweep.Median.Total, first.Sweep.Median.Total), "1.0");
        report.Row($"ledger: scheduling lateness p99 ms, {versus}", Report.N(first.Lateness.P99Ms), Report.N(last.Lateness.P99Ms), Ratio(last.Lateness.P99Ms, first.Lateness.P99Ms), "~1.0 (within noise)");
        report.Row($"ledger: sweep wall time p50 ms, {versus} (on Azurite)", Report.N(first.Sweep.P50Ms, "F1"), Report.N(last.Sweep.P50Ms, "F1"), Ratio(last.Sweep.P50Ms, first.Sweep.P50Ms), "(reported)");
        report.Row($"ledger: Azurite's point read of a job row p50 ms, {versus}", Report.N(first.Floor.PointReadMs, "F1"), Report.N(last.Floor.PointReadMs, "F1"), Ratio(last.Floor.PointReadMs, first.Floor.PointReadMs), "~1.0");
        report.Row($"ledger: Azurite's query of one index partition p50 ms, {versus}", Report.N(first.Floor.QueryMs, "F1"), Report.N(last.Floor.QueryMs, "F1"), Ratio(last.Floor.QueryMs, first.Floor.QueryMs), "(reported: Azure's is flat)");
        report.Row($"ledger: list by meeting p99 ms, {versus} (on Azurite)", Report.N(first.List.P99Ms, "F1"), Report.N(last.List.P99Ms, "F1"), Ratio(last.List.P99Ms, first.List.P99Ms), "(reported)");
        // What is left of a listing once Azurite's own scan of the index table is taken off: the app's share, which Azure's indexed query keeps.
        double Share(SizeResult r) => Math.Max(0, r.List.P50Ms - r.Floor.QueryMs);
        report.Row($"ledger: list by meeting p50 less Azurite's own query p50 ms (the part that is not Azurite's scan), {versus}", Report.N(Share(first), "F1"), Report.N(Share(last), "F1"), Ratio(Share(last), Share(first)), "~1.0");
    }

    private static async Task<SeedResult> SeedAsync(WebApplication app, StorageRequestCounter counter, History history, int count)
    {
        Console.WriteLine($"Ledger at scale: seeding {count:N0} jobs of history ...");
        var ledger = app.Services.GetRequiredService<DispatchLedger>();
        var jobs = history.Next(count);
        var importing = Stopwatch.StartNew();
        var imported = new StorageRequestTally();
        using (counter.Counting(imported))
        {
            for (var offset = 0; offset < jobs.Count; offset += ImportChunk)
            {
                await ledger.ImportAsync(jobs.Skip(offset).Take(ImportChunk).ToList(), CancellationToken.None);
                Console.WriteLine($"  {Math.Min(offset + ImportChunk, jobs.Count):N0} of {jobs.Count:N0} imported, {importing.Elapsed.TotalSeconds:F0} s");
            }
        }

        var importTime = importing.Elapsed;
        // ImportAsync writes the index rows with the jobs but marks nothing: the maintenance run finds
        // every job indexed and marks the index complete, as it would after a backfill.
        var maintaining = Stopwatch.StartNew();
        var maintained = new StorageRequestTally();
        MaintenanceReport maintenance;
        using (counter.Counting(maintained))
        {
            maintenance = await app.Services.GetRequiredService<LedgerMaintenance>().RunAsync(CancellationToken.None);
        }

        if (!maintenance.Backfill.Complete || maintenance.Retention.Jobs > 0)
        {
            throw new InvalidOperationException(
                $"After seeding, the maintenance run left the index {(maintenance.Backfill.Complete ? "complete" : "incomplete")} and deleted {maintenance.Retention.Jobs} jobs: the ledger would not hold the size measured.");
        }

        return new SeedResult(count, importTime, imported, maintaining.Elapsed, maintained);
    }

    private static async Task<SweepResult> SweepAsync(WebApplication app, StorageRequestCounter counter)
    {
        var sweeper = app.Services.GetRequiredService<LedgerSweeper>();
        // Once unmeasured: the first sweep of a host pays for its JIT and first connections.
        await sweeper.SweepAsync(CancellationToken.None);
        var runs = new List<(StorageRequestTally Tally, double Ms, SweepReport Report)>();
        for (var i = 0; i < Sweeps; i++)
        {
            var tally = new StorageRequestTally();
            var elapsed = Stopwatch.StartNew();
            SweepReport swept;
            using (counter.Counting(tally))
            {
                swept = await sweeper.SweepAsync(CancellationToken.None);
            }

            runs.Add((tally, elapsed.Elapsed.TotalMilliseconds, swept));
        }

        var byRequests = runs.OrderBy(r => r.Tally.Total).ToList();
        var ms = runs.Select(r => r.Ms).Order().ToArray();
        return new SweepResult(
            byRequests[byRequests.Count / 2].Tally, Percentile(ms, 0.5), Percentile(ms, 0.99), runs.Sum(r => r.Report.Woken), runs.Sum(r => r.Report.Recovered));
    }

    /// <summary>
    /// As the scheduling section: jobs created through the API before the first is due, lateness taken
    /// where the emulator receives them. The lead before the first is due is at least 30 s, and longer
    /// when a probe of creates says 200 would not fit in it (on a large Azurite every write of a job row
    /// is slow): lateness must not include creation.
    /// </summary>
    private static async Task<LatenessResult> LatenessAsync(WebApplication app, EmulatorProcess emulator, int size)
    {
        await emulator.ClearAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First().TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(5) };
        var prefix = FormattableString.Invariant($"due{size}-");
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = ProbeJobs };
        async Task CreateAsync(string meetingId, DateTimeOffset at, CancellationToken ct)
        {
            using var response = await client.PostAsync("api/dispatches", new StringContent(
                $$"""{"meetingId":"{{meetingId}}","agentId":"bench-agent","dispatchAt":"{{at:O}}"}""", Encoding.UTF8, "application/json"), ct);
            response.EnsureSuccessStatusCode();
        }

        // A job per client, weeks ahead, created as the measured ones will be: they join the few hundred scheduled.
        var probing = Stopwatch.StartNew();
        var weeksAhead = DateTimeOffset.UtcNow.AddDays(21);
        await Parallel.ForEachAsync(Enumerable.Range(0, ProbeJobs), parallel, (i, ct) => new ValueTask(CreateAsync($"probe{size}-{i}", weeksAhead.AddMinutes(i), ct)));
        var lead = TimeSpan.FromSeconds(Math.Max(DueLead.TotalSeconds, (2 * probing.Elapsed.TotalSeconds * DueJobs / ProbeJobs) + 5));
        Console.WriteLine($"Ledger at scale: {DueJobs} jobs due over {DueSpread.TotalSeconds:F0} s among {size:N0}, the first {lead.TotalSeconds:F0} s ahead ...");

        var start = DateTimeOffset.UtcNow + lead;
        var due = new System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset>();
        await Parallel.ForEachAsync(Enumerable.Range(0, DueJobs), parallel, async (i, ct) =>
        {
            var at = start + (DueSpread * i / DueJobs);
            at = new DateTimeOffset(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
            due[prefix + i] = at;
            await CreateAsync(prefix + i, at, ct);
        });
        var overran = DateTimeOffset.UtcNow - start;

        // Until every job arrived, or none has for a minute after the last was due.
        var lastDue = start + DueSpread;
        var lastArrival = DateTimeOffset.UtcNow;
        IReadOnlyList<ReceivedDispatch> received = [];
        while (true)
        {
            var now = (await emulator.GetDispatchesAsync()).Where(r => r.MeetingId is not null && due.ContainsKey(r.MeetingId)).ToList();
            if (now.Count > received.Count)
            {
                lastArrival = DateTimeOffset.UtcNow;
            }

            received = now;
            if (received.Count >= DueJobs || (DateTimeOffset.UtcNow > lastDue && DateTimeOffset.UtcNow - Max(lastArrival, lastDue) > TimeSpan.FromSeconds(60)))
            {
                break;
            }

            await Task.Delay(1000);
        }

        var lateness = received.Select(r => (r.ReceivedAt - due[r.MeetingId!]).TotalMilliseconds).Order().ToArray();
        var distinct = received.Select(r => r.MeetingId).Distinct().Count();
        return new LatenessResult(
            Percentile(lateness, 0.5), Percentile(lateness, 0.99), lateness.Length == 0 ? double.NaN : lateness[^1],
            lateness.Count(l => l < 0), DueJobs - distinct, received.Count - distinct, lead, overran > TimeSpan.Zero ? overran : null);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>
    /// Azurite's own costs, asked of the tables straight: a point read of a job row (the floor under every
    /// listing's reads and every dispatch's writes), and a query of one meeting's index partition (the
    /// floor under a listing, which Azurite answers by scanning the whole index table).
    /// </summary>
    private static async Task<AzuriteFloor> AzuriteFloorAsync(string connectionString, string ledgerTable, History history)
    {
        var table = new TableClient(connectionString, ledgerTable);
        var lookup = new TableClient(connectionString, new JobsOptions { LedgerTable = ledgerTable }.IndexTableName);
        var random = new Random(13);
        var reads = new List<double>(PointReads);
        var queries = new List<double>(PointReads);
        for (var i = 0; i < ListWarmUp + PointReads; i++)
        {
            var id = History.JobId(random.Next(history.Seeded));
            var elapsed = Stopwatch.StartNew();
            await table.GetEntityAsync<TableEntity>(id, DispatchJobEntity.RowKeyFor(id));
            var read = elapsed.Elapsed.TotalMilliseconds;
            var partition = IndexKeys.MeetingPartition(History.MeetingId(random.Next(history.Meetings)));
            elapsed.Restart();
            await foreach (var _ in lookup.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), 50, ["JobId"]))
            {
            }

            if (i >= ListWarmUp)
            {
                reads.Add(read);
                queries.Add(elapsed.Elapsed.TotalMilliseconds);
            }
        }

        return new AzuriteFloor(Percentile(reads.Order().ToArray(), 0.5), Percentile(queries.Order().ToArray(), 0.5));
    }

    /// <summary>One seeded meeting at a time, sequentially, after a warm-up: the latency a person paging through the API sees.</summary>
    private static async Task<ListResult> ListAsync(WebApplication app, StorageRequestCounter counter, History history)
    {
        // The requests are counted once, on the service the route calls: the route's own async flow is the server's.
        var tally = new StorageRequestTally();
        using (counter.Counting(tally))
        {
            await app.Services.GetRequiredService<DispatchJobService>().ListAsync(History.MeetingId(0), null, 50, null, CancellationToken.None);
        }

        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First().TrimEnd('/') + "/") };
        var random = new Random(11);
        var ms = new List<double>(ListRequests);
        var wrong = 0;
        for (var i = 0; i < ListWarmUp + ListRequests; i++)
        {
            var meeting = History.MeetingId(random.Next(history.Meetings));
            var elapsed = Stopwatch.StartNew();
            using var response = await client.GetAsync($"api/dispatches?meetingId={Uri.EscapeDataString(meeting)}");
            var body = await response.Content.ReadAsStringAsync();
            var took = elapsed.Elapsed.TotalMilliseconds;
            if (i < ListWarmUp)
            {
                continue;
            }

            ms.Add(took);
            if (response.StatusCode != HttpStatusCode.OK || JsonNode.Parse(body)?["items"]?.AsArray().Count != JobsPerMeeting)
            {
                wrong++;
            }
        }

        var sorted = ms.Order().ToArray();
        return new ListResult(Percentile(sorted, 0.5), Percentile(sorted, 0.99), wrong, tally);
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(p * sorted.Length))];

    private sealed record SeedResult(int Jobs, TimeSpan Import, StorageRequestTally ImportRequests, TimeSpan Maintenance, StorageRequestTally MaintenanceRequests);

    private sealed record SweepResult(StorageRequestTally Median, double P50Ms, double P99Ms, int Woken, int Recovered);

    private sealed record LatenessResult(double P50Ms, double P99Ms, double MaxMs, int Early, int Missing, int Twice, TimeSpan Lead, TimeSpan? CreationOverran);

    private sealed record ListResult(double P50Ms, double P99Ms, int Wrong, StorageRequestTally Requests);

    private sealed record AzuriteFloor(double PointReadMs, double QueryMs);

    private sealed record SizeResult(int Size, SeedResult Seeding, SweepResult Sweep, AzuriteFloor Floor, LatenessResult Lateness, ListResult List);

    /// <summary>
    /// The history the ledger is seeded with, generated in order: 10 jobs a meeting (a recurring meeting's
    /// past occurrences), from a few sources and origins, mostly in final states over the past four weeks
    /// (inside <c>Jobs:Retention</c>'s 30 days, so the maintenance run keeps them all), and a few hundred
    /// scheduled two to eight weeks ahead — beyond the 7 days a wake-up can wait, so no sweep has work for
    /// them yet.
    /// </summary>
    private sealed class History(DateTimeOffset now)
    {
        private static readonly (string Source, string? Origin)[] Origins =
        [
            (JobSources.Calendar, "calendar:team"),
            (JobSources.Calendar, "calendar:sales"),
            (JobSources.Schedule, "schedule:standup"),
            (JobSources.Calendly, null),
            (JobSources.Http, null),
        ];

        private readonly Random _random = new(7);
        private int _seeded;

        /// <summary>How many meetings have at least one job so far.</summary>
        public int Meetings => _seeded / JobsPerMeeting;

        public int Seeded => _seeded;

        public static string MeetingId(int meeting) => FormattableString.Invariant($"hist-{meeting:D6}");

        public static string JobId(int index) => JobIds.ForKey(Key(index));

        private static string Key(int index) => IdempotencyKeys.FromCaller(FormattableString.Invariant($"ledger-bench-{index}"));

        public List<DispatchJob> Next(int count)
        {
            // A few hundred ahead in all (100, then about one in 300): the history grows, the future does not much.
            var every = Math.Max(1, count / Math.Max(100, count / 300));
            var jobs = new List<DispatchJob>(count);
            for (var i = 0; i < count; i++)
            {
                jobs.Add(Job(_seeded + i, scheduledAhead: i % every == 0));
            }

            _seeded += count;
            return jobs;
        }

        private DispatchJob Job(int index, bool scheduledAhead)
        {
            var key = Key(index);
            var (source, origin) = Origins[index % Origins.Length];
            var dispatchAt = scheduledAhead
                ? now + TimeSpan.FromDays(14) + TimeSpan.FromMinutes(_random.Next(6 * 7 * 24 * 60))
                : now - TimeSpan.FromDays(1) - TimeSpan.FromMinutes(_random.Next(27 * 24 * 60));
            dispatchAt = new DateTimeOffset(dispatchAt.UtcTicks - (dispatchAt.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
            var job = new DispatchJob
            {
                Id = JobIds.ForKey(key),
                IdempotencyKey = key,
                MeetingId = MeetingId(index / JobsPerMeeting),
                AgentId = "bench-agent",
                Source = source,
                Origin = origin,
                DispatchAt = dispatchAt,
                NotAfter = dispatchAt + TimeSpan.FromMinutes(10),
                State = JobState.Scheduled,
                CreatedAt = dispatchAt - TimeSpan.FromDays(3),
                UpdatedAt = dispatchAt - TimeSpan.FromDays(3),
            };
            if (scheduledAhead)
            {
                return job with { CreatedAt = now - TimeSpan.FromDays(1), UpdatedAt = now - TimeSpan.FromDays(1) };
            }

            var sent = dispatchAt + TimeSpan.FromMilliseconds(200);
            return (_random.Next(100)) switch
            {
                < 70 => job with
                {
                    State = JobState.Joined, Attempts = 1, LastOutcome = DispatchOutcomeKind.Assigned, LastUpstreamStatus = 200, FirstSentAt = sent,
                    JoinedAt = sent + TimeSpan.FromSeconds(2), ParticipantId = "agent-" + index.ToString(CultureInfo.InvariantCulture), ConfirmedBy = Jobs.ConfirmedBy.Webhook,
                    UpdatedAt = sent + TimeSpan.FromSeconds(2),
                },
                < 75 => job with
                {
                    State = JobState.NotJoined, Attempts = 2, Redispatches = 1, LastOutcome = DispatchOutcomeKind.Assigned, LastUpstreamStatus = 200, FirstSentAt = sent,
                    UpdatedAt = sent + TimeSpan.FromMinutes(5),
                },
                < 83 => job with
                {
                    State = JobState.Failed, Attempts = 1, LastOutcome = DispatchOutcomeKind.Configuration, LastUpstreamStatus = 400,
                    LastMessage = "Agent Not Deployed", FirstSentAt = sent, UpdatedAt = sent,
                },
                < 90 => job with
                {
                    State = JobState.Expired, Attempts = 4, LastOutcome = DispatchOutcomeKind.Capacity, LastUpstreamStatus = 429,
                    LastMessage = "No workers available", FirstSentAt = sent, UpdatedAt = job.NotAfter,
                },
                _ => job with
                {
                    State = JobState.Cancelled, CancelReason = index % 2 == 0 ? CancelReasons.Source : CancelReasons.Api,
                    UpdatedAt = dispatchAt - TimeSpan.FromHours(_random.Next(1, 48)),
                },
            };
        }
    }
}

/// <summary>The storage requests one measured call made, by table or queue and by kind.</summary>
public sealed class StorageRequestTally
{
    private readonly Dictionary<(string Target, string Kind), int> _counts = [];

    public int Total
    {
        get
        {
            lock (_counts)
            {
                return _counts.Values.Sum();
            }
        }
    }

    public void Add(string target, string kind)
    {
        lock (_counts)
        {
            _counts[(target, kind)] = _counts.GetValueOrDefault((target, kind)) + 1;
        }
    }

    /// <summary>"6 requests: 5 queries, 1 read; ledger 5, wake 1".</summary>
    public string Describe()
    {
        lock (_counts)
        {
            var total = _counts.Values.Sum();
            if (total == 0)
            {
                return "0 requests";
            }

            var kinds = _counts.GroupBy(c => c.Key.Kind).OrderByDescending(g => g.Sum(c => c.Value)).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => Plural(g.Sum(c => c.Value), g.Key));
            var targets = _counts.GroupBy(c => c.Key.Target).OrderByDescending(g => g.Sum(c => c.Value)).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => FormattableString.Invariant($"{g.Key} {g.Sum(c => c.Value)}"));
            return $"{Plural(total, "request")}: {string.Join(", ", kinds)}; {string.Join(", ", targets)}";
        }
    }

    private static string Plural(int n, string kind)
        => FormattableString.Invariant($"{n} {(n == 1 ? kind : kind switch { "query" => "queries", "batch" => "batches", _ => kind + "s" })}");
}

/// <summary>
/// Storage clients for the dev host whose Azure SDK pipelines count every request sent (each retry
/// too), into the tally of the call that made it: the tally flows with the async call, so the queue
/// triggers' polling and the timer's own sweep, running beside the measured call, are not counted.
/// </summary>
public sealed partial class StorageRequestCounter(IReadOnlyDictionary<string, string> labels)
{
    private readonly AsyncLocal<StorageRequestTally?> _current = new();
    private volatile StorageRequestTally? _everything;

    /// <summary>Like <see cref="StorageClients.Create"/> for a connection string, plain-text queue messages included.</summary>
    public StorageClients CreateClients(string connectionString)
    {
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        queueOptions.AddPolicy(new CountingPolicy(this, queue: true), HttpPipelinePosition.PerRetry);
        var tableOptions = new TableClientOptions();
        tableOptions.AddPolicy(new CountingPolicy(this, queue: false), HttpPipelinePosition.PerRetry);
        return new StorageClients(new QueueServiceClient(connectionString, queueOptions), new TableServiceClient(connectionString, tableOptions));
    }

    /// <summary>Counts into <paramref name="tally"/> what this async flow sends until disposed.</summary>
    public IDisposable Counting(StorageRequestTally tally)
    {
        var previous = _current.Value;
        _current.Value = tally;
        return new Scope(() => _current.Value = previous);
    }

    /// <summary>Counts into <paramref name="tally"/> every request these clients send, from any flow, until disposed: for work the host's own triggers do.</summary>
    public IDisposable CountingEverything(StorageRequestTally tally)
    {
        _everything = tally;
        return new Scope(() => _everything = null);
    }

    private void Record(Request request, bool queue)
    {
        if ((_current.Value ?? _everything) is not { } tally)
        {
            return;
        }

        var (target, kind) = queue ? QueueRequest(request) : TableRequest(request);
        foreach (var (name, label) in labels)
        {
            target = target.Replace(name, label, StringComparison.OrdinalIgnoreCase);
        }

        tally.Add(target, kind);
    }

    /// <summary>The resource after the account: Azurite puts the account first in the path, Azure in the host name.</summary>
    private static string Resource(Request request)
    {
        var path = request.Uri.Path.TrimStart('/');
        var host = request.Uri.Host ?? "";
        if (!IPAddress.TryParse(host, out _) && !host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return path;
        }

        var slash = path.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? "" : path[(slash + 1)..];
    }

    private static (string Target, string Kind) TableRequest(Request request)
    {
        var resource = Uri.UnescapeDataString(Resource(request));
        var get = request.Method == RequestMethod.Get;
        if (resource.StartsWith("$batch", StringComparison.Ordinal))
        {
            // The tables a batch writes are in its body: counted as batches, not by table.
            return ("batch", "batch");
        }

        if (resource.StartsWith("Tables", StringComparison.Ordinal))
        {
            return ("tables", get ? "query" : "write");
        }

        var paren = resource.IndexOf('(', StringComparison.Ordinal);
        var table = paren < 0 ? resource : resource[..paren];
        // name(PartitionKey='…',RowKey='…') is one entity; name() with a $filter a query.
        if (paren >= 0 && !resource.AsSpan(paren).StartsWith("()"))
        {
            return (table, get ? "read" : "write");
        }

        return (table, !get ? "write" : KeyBound(request) ? "query" : "scan");
    }

    /// <summary>
    /// Whether a query names the partitions it reads. Azure reads only those; a filter on other
    /// properties alone scans the table (answering with continuations at partition-range boundaries and
    /// after 5 s, so its requests grow with the table there). Azurite scans either way and answers a
    /// scan in one page: its request count alone would not show a scan.
    /// </summary>
    private static bool KeyBound(Request request)
    {
        var query = Uri.UnescapeDataString(request.Uri.Query ?? "");
        var filter = query.IndexOf("$filter=", StringComparison.Ordinal) is var at and >= 0 ? query[(at + "$filter=".Length)..].Split('&')[0] : "";
        return PartitionKeyCondition().IsMatch(filter);
    }

    [GeneratedRegex(@"\bPartitionKey\s+(eq|ge|gt|le|lt)\s")]
    private static partial Regex PartitionKeyCondition();

    private static (string Target, string Kind) QueueRequest(Request request)
    {
        var resource = Resource(request);
        var slash = resource.IndexOf('/', StringComparison.Ordinal);
        var queue = slash < 0 ? resource : resource[..slash];
        return (queue, request.Method == RequestMethod.Get || request.Method == RequestMethod.Head ? "read" : "write");
    }

    private sealed class CountingPolicy(StorageRequestCounter counter, bool queue) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message) => counter.Record(message.Request, queue);
    }

    private sealed class Scope(Action end) : IDisposable
    {
        public void Dispose() => end();
    }
}
