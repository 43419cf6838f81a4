using AgentDispatch.Dispatch;
using AgentDispatch.Jobs;
using AgentDispatch.Storage;
using AgentDispatch.Testing;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentDispatch.Core.Tests.Jobs;

/// <summary>
/// The ledger's indexes on Azurite: which rows each job has as it moves, that a row left by a crash
/// neither hides a job nor shows a wrong one, the backfill of a ledger an earlier version wrote, and
/// retention.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class LedgerIndexTests(AzuriteCollectionFixture azurite)
{
    private static readonly Dictionary<string, string?> NoGrace = new() { ["Jobs:IndexGrace"] = "00:00:00" };

    private static DispatchJobRequest Request(string meetingId, DateTimeOffset? at, string? key = null)
        => new(new DispatchRequest(meetingId, "agent-1"), at, null, key);

    private static JobsOptions Options(JobsHarness harness) => harness.Services.Get<IOptions<JobsOptions>>().Value;

    private static TableClient Table(JobsHarness harness, IndexTable table)
        => harness.Services.Get<StorageClients>().Tables.GetTableClient(table == IndexTable.Timeline ? Options(harness).TimelineTableName : Options(harness).IndexTableName);

    private static async Task<List<TableEntity>> RowsOfAsync(JobsHarness harness, IndexTable table, string jobId)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in Table(harness, table).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"JobId eq {jobId}")))
        {
            rows.Add(row);
        }

        return rows;
    }

    private static List<string> Kinds(IEnumerable<TableEntity> rows) => rows.Select(r => r.PartitionKey.Split('|')[0]).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void For_KeepsTheRowsAJobStillWants_AndTagsNewOnesAfresh()
    {
        var at = new DateTimeOffset(2026, 12, 24, 9, 30, 0, TimeSpan.Zero);
        var job = new DispatchJob
        {
            Id = JobIds.ForKey("key:for"), IdempotencyKey = "key:for", MeetingId = "m-1", AgentId = "a", Source = JobSources.Calendar, Origin = "calendar:team",
            DispatchAt = at, NotAfter = at.AddMinutes(10), State = JobState.Scheduled, CreatedAt = at, UpdatedAt = at,
        };

        var scheduled = IndexKeys.For(job, []);
        var again = IndexKeys.For(job, scheduled);
        var moved = IndexKeys.For(job with { DispatchAt = at.AddHours(1) }, scheduled);
        var claimed = IndexKeys.For(job with { State = JobState.Dispatching, LeaseUntil = at.AddMinutes(1) }, scheduled);

        Assert.Equal(["at", "due", "meeting", "origin", "state"], scheduled.Select(e => e.PartitionKey.Split('|')[0]).Order(StringComparer.Ordinal));
        Assert.Equal(scheduled, again);
        Assert.DoesNotContain(moved.Intersect(scheduled), e => e.PartitionKey.StartsWith("due|", StringComparison.Ordinal));
        Assert.Contains(moved, e => e.PartitionKey == "due|2026122410|" + (job.Id[0] % IndexKeys.Shards));
        Assert.Equal(["at", "lease", "meeting", "state"], claimed.Select(e => e.PartitionKey.Split('|')[0]).Order(StringComparer.Ordinal));
        Assert.Contains(scheduled.Single(e => e.PartitionKey.StartsWith("meeting|", StringComparison.Ordinal)), claimed);
        Assert.DoesNotContain("m-1", string.Concat(scheduled.Select(e => e.PartitionKey + e.RowKey)), StringComparison.Ordinal);
        Assert.Equal(scheduled, IndexEntry.Split(IndexEntry.Join(scheduled)));
    }

    [Fact]
    public async Task AJobsRows_FollowItsState_AndGivenUpOnesAreDeleted()
    {
        var time = JobsHarness.NewClock();
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, time: time);
        var job = (await harness.Jobs.SubmitAsync(Request("room-rows", time.GetUtcNow().AddMinutes(5)), JobSources.Http, CancellationToken.None)).Job!;

        var whileScheduled = Kinds((await RowsOfAsync(harness, IndexTable.Timeline, job.Id)).Concat(await RowsOfAsync(harness, IndexTable.Lookup, job.Id)));
        var done = await harness.WakeWhenDueAsync(time, job.Id);
        var timelineAfter = await RowsOfAsync(harness, IndexTable.Timeline, job.Id);
        var lookupAfter = await RowsOfAsync(harness, IndexTable.Lookup, job.Id);

        Assert.Equal(["at", "due", "meeting", "state"], whileScheduled);
        Assert.Equal(JobState.Assigned, done.State);
        Assert.Empty(timelineAfter);
        Assert.Equal(["at", "meeting", "state"], Kinds(lookupAfter));
        Assert.Equal(IndexKeys.StatePartition(JobState.Assigned), lookupAfter.Single(r => r.PartitionKey.StartsWith("state|", StringComparison.Ordinal)).PartitionKey);
        Assert.Equal(done.Indexed.Select(e => (e.PartitionKey, e.RowKey)).Order(), lookupAfter.Select(r => (r.PartitionKey, r.RowKey)).Order());
    }

    [Fact]
    public async Task ManyWritersMovingOneJobAtOnce_LeaveExactlyTheRowsItsLastVersionWants()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        var start = DateTimeOffset.UtcNow.AddDays(3);
        var job = (await harness.Jobs.SubmitAsync(Request("room-race", start, "key:race"), JobSources.Http, CancellationToken.None)).Job!;

        // Each writer moves the job to its own hour (new due, state, meeting and at rows each time); they
        // conflict, read again and write again, and the losers' rows must not outlive them.
        await Parallel.ForEachAsync(Enumerable.Range(1, 12), new ParallelOptions { MaxDegreeOfParallelism = 12 }, async (i, ct) =>
            await harness.Ledger.UpdateAsync(job.Id, j => j with { DispatchAt = start.AddHours(i), NotAfter = start.AddHours(i).AddMinutes(10) }, ct));

        var last = (await harness.Ledger.GetAsync(job.Id, CancellationToken.None))!;
        var rows = (await RowsOfAsync(harness, IndexTable.Timeline, job.Id)).Concat(await RowsOfAsync(harness, IndexTable.Lookup, job.Id));

        Assert.Equal(last.Indexed.Select(e => (e.PartitionKey, e.RowKey)).Order(), rows.Select(r => (r.PartitionKey, r.RowKey)).Order());
        Assert.Equal([job.Id], (await harness.Ledger.ListAsync(new JobFilter(MeetingId: "room-race"), 50, null, CancellationToken.None))!.Items.Select(j => j.Id));
        Assert.Equal([job.Id], (await harness.Ledger.ScheduledDueAsync(null, start.AddDays(1), CancellationToken.None).ToListAsync()).Select(j => j.Id));
    }

    [Fact]
    public async Task RowWrittenButJobNeverWritten_HidesNothingAndShowsNothing_AndIsCleanedWhenMetAfterTheGrace()
    {
        var time = JobsHarness.NewClock();
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: NoGrace, time: time);
        var real = (await harness.Jobs.SubmitAsync(Request("room-crash", time.GetUtcNow().AddMinutes(1), "key:real"), JobSources.Http, CancellationToken.None)).Job!;

        // What a crash between the index write and the job write leaves: rows for a job that does not exist.
        var ghost = real with { Id = JobIds.ForKey("key:ghost"), IdempotencyKey = "key:ghost", Indexed = IndexSet.Empty };
        var ghostRows = IndexKeys.For(ghost, []);
        foreach (var row in ghostRows)
        {
            await Table(harness, row.Table).AddEntityAsync(new TableEntity(row.PartitionKey, row.RowKey) { ["JobId"] = ghost.Id });
        }

        var listed = await harness.Ledger.ListAsync(new JobFilter(MeetingId: "room-crash"), 50, null, CancellationToken.None);
        var due = await harness.Ledger.ScheduledDueAsync(null, time.GetUtcNow().AddDays(1), CancellationToken.None).ToListAsync();

        Assert.Equal([real.Id], listed!.Items.Select(j => j.Id));
        Assert.Equal([real.Id], due.Select(j => j.Id));
        Assert.DoesNotContain(await RowsOfAsync(harness, IndexTable.Lookup, ghost.Id), r => r.PartitionKey.StartsWith("meeting|", StringComparison.Ordinal)); // met by the listing
        Assert.Empty(await RowsOfAsync(harness, IndexTable.Timeline, ghost.Id)); // met by the sweep's query
    }

    [Fact]
    public async Task RowFoundYoungerThanTheGrace_IsLeftAlone_ForTheJobWriteThatMayStillLand()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        var at = DateTimeOffset.UtcNow.AddHours(2);
        var job = new DispatchJob
        {
            Id = JobIds.ForKey("key:pending"), IdempotencyKey = "key:pending", MeetingId = "room-pending", AgentId = "agent-1", Source = JobSources.Http,
            DispatchAt = at, NotAfter = at.AddMinutes(10), State = JobState.Scheduled, CreatedAt = at, UpdatedAt = at,
        };
        var pending = job with { Indexed = IndexKeys.For(job, []) };
        var meetingRow = pending.Indexed.Single(e => e.PartitionKey.StartsWith("meeting|", StringComparison.Ordinal));

        // A writer has written its index row and not yet its job row.
        Assert.True(await harness.Ledger.IsIndexCompleteAsync(CancellationToken.None)); // a new ledger: indexed from the start
        await Table(harness, IndexTable.Lookup).AddEntityAsync(new TableEntity(meetingRow.PartitionKey, meetingRow.RowKey) { ["JobId"] = pending.Id });
        var before = await harness.Ledger.ListAsync(new JobFilter(MeetingId: "room-pending"), 50, null, CancellationToken.None);
        var ledger = harness.Services.Get<StorageClients>().Tables.GetTableClient(Options(harness).LedgerTable);
        await ledger.AddEntityAsync(DispatchJobEntity.From(pending));
        var after = await harness.Ledger.ListAsync(new JobFilter(MeetingId: "room-pending"), 50, null, CancellationToken.None);

        Assert.Empty(before!.Items);
        Assert.Equal([pending.Id], after!.Items.Select(j => j.Id));
    }

    [Fact]
    public async Task Listings_ByMeetingAndState_NewestFirst_ByRange_EarliestFirst_AndPage()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        var start = DateTimeOffset.UtcNow.AddDays(2);
        start = new DateTimeOffset(start.Year, start.Month, start.Day, 22, 0, 0, TimeSpan.Zero);
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            // Across midnight: the range spans two day partitions.
            var job = (await harness.Jobs.SubmitAsync(Request(i % 2 == 0 ? "room-a" : "room-b", start.AddHours(i)), JobSources.Http, CancellationToken.None)).Job!;
            ids.Add(job.Id);
        }

        await harness.Jobs.CancelAsync(ids[4], CancellationToken.None);
        var roomA = await harness.Ledger.ListAsync(new JobFilter(MeetingId: "room-a"), 50, null, CancellationToken.None);
        var roomAScheduled = await harness.Ledger.ListAsync(new JobFilter(MeetingId: "room-a", State: JobState.Scheduled), 50, null, CancellationToken.None);
        var cancelled = await harness.Ledger.ListAsync(new JobFilter(State: JobState.Cancelled), 50, null, CancellationToken.None);
        var range = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await harness.Ledger.ListAsync(new JobFilter(From: start.AddHours(1), To: start.AddHours(5)), 2, cursor, CancellationToken.None);
            range.AddRange(page!.Items.Select(j => j.Id));
            cursor = page.Next;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal([ids[4], ids[2], ids[0]], roomA!.Items.Select(j => j.Id));
        Assert.Equal([ids[2], ids[0]], roomAScheduled!.Items.Select(j => j.Id));
        Assert.Equal([ids[4]], cancelled!.Items.Select(j => j.Id));
        Assert.Equal(ids[1..5], range);
        Assert.True(pages >= 2);
    }

    [Fact]
    public async Task LedgerOfAnEarlierVersion_IsSweptWhileUnindexed_ThenBackfilledInResumableRuns()
    {
        var time = JobsHarness.NewClock();
        var ledgerTable = AzuriteFixture.UniqueName("oldledger");
        var settings = new Dictionary<string, string?> { ["Jobs:LedgerTable"] = ledgerTable, ["Jobs:MaintenanceBudget"] = "00:00:00.001" };
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: settings, time: time);

        // The table was there before this version: rows with no index, as an earlier version wrote them.
        var table = harness.Services.Get<StorageClients>().Tables.GetTableClient(ledgerTable);
        await table.CreateAsync();
        var now = time.GetUtcNow();
        var old = Enumerable.Range(0, 230).Select(i => new DispatchJob
        {
            Id = JobIds.ForKey($"key:old-{i}"), IdempotencyKey = $"key:old-{i}", MeetingId = $"room-old-{i % 10}", AgentId = "agent-1", Source = JobSources.Http,
            DispatchAt = now.AddMinutes(-1).AddSeconds(-i), NotAfter = now.AddMinutes(30), State = JobState.Scheduled, WakeFor = now.AddMinutes(-1).AddSeconds(-i),
            CreatedAt = now.AddHours(-1), UpdatedAt = now.AddHours(-1),
        }).ToList();
        await Parallel.ForEachAsync(old, async (job, ct) => await table.AddEntityAsync(DispatchJobEntity.From(job with { LegacyRow = true }), ct));

        var swept = await harness.Sweeper.SweepAsync(CancellationToken.None);
        var runs = new List<MaintenanceReport>();
        for (var run = 0; run < 10 && (runs.Count == 0 || !runs[^1].Backfill.Complete); run++)
        {
            runs.Add(await harness.Services.Get<LedgerMaintenance>().RunAsync(CancellationToken.None));
        }

        var again = await harness.Services.Get<LedgerMaintenance>().RunAsync(CancellationToken.None);
        var roomOld3 = await harness.Ledger.ListAsync(new JobFilter(MeetingId: "room-old-3"), 100, null, CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(1));
        var sweptIndexed = await harness.Ledger.ScheduledDueAsync(null, time.GetUtcNow(), CancellationToken.None).ToListAsync();

        Assert.Equal(230, swept.Woken); // all overdue, found by reading the ledger itself while the index is incomplete
        Assert.True(runs.Count >= 3, $"{runs.Count} runs"); // a page a run on this budget: resumed from where each stopped
        Assert.True(runs[^1].Backfill.Complete);
        Assert.Equal(230, runs[^1].Backfill.Indexed);
        Assert.Equal(0, again.Backfill.Scanned);
        Assert.True(await harness.Ledger.IsIndexCompleteAsync(CancellationToken.None));
        Assert.Equal(23, roomOld3!.Items.Count);
        Assert.Equal(230, sweptIndexed.Count);
    }

    [Fact]
    public async Task RowsUnderTheEarlierRowKey_AreReadAndNotMadeTwice_ThenMovedToTheirOwn()
    {
        var time = JobsHarness.NewClock();
        var ledgerTable = AzuriteFixture.UniqueName("oldkeys");
        var settings = new Dictionary<string, string?> { ["Jobs:LedgerTable"] = ledgerTable, ["Jobs:MaintenanceBudget"] = "00:00:00.001" };
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: settings, time: time);

        // As an earlier version left it: every job row under the one row key "job".
        var table = harness.Services.Get<StorageClients>().Tables.GetTableClient(ledgerTable);
        await table.CreateAsync();
        var now = time.GetUtcNow();
        var at = now.AddHours(1);
        var old = Enumerable.Range(0, 150).Select(i => new DispatchJob
        {
            Id = JobIds.ForKey($"key:old-{i}"), IdempotencyKey = $"key:old-{i}", MeetingId = $"room-keys-{i % 5}", AgentId = "agent-1", Source = JobSources.Http,
            DispatchAt = at, NotAfter = at.AddMinutes(10), State = JobState.Scheduled, WakeFor = at, CreatedAt = now, UpdatedAt = now,
        }).ToList();
        await Parallel.ForEachAsync(old, async (job, ct) => await table.AddEntityAsync(DispatchJobEntity.From(job with { LegacyRow = true }), ct));

        var repeated = await harness.Jobs.SubmitAsync(Request("room-keys-0", at, "old-0"), JobSources.Http, CancellationToken.None);
        var fresh = await harness.Jobs.SubmitAsync(Request("room-keys-0", at, "new-0"), JobSources.Http, CancellationToken.None);
        var stale = await harness.Ledger.GetAsync(old[1].Id, CancellationToken.None);
        await harness.Jobs.CancelAsync(old[2].Id, CancellationToken.None);
        var runs = new List<MaintenanceReport>();
        for (var run = 0; run < 10 && (runs.Count == 0 || !runs[^1].Backfill.Complete); run++)
        {
            runs.Add(await harness.Services.Get<LedgerMaintenance>().RunAsync(CancellationToken.None));
        }

        // A writer that read the row before it moved is refused, reads the job again and writes it.
        var updated = await harness.Ledger.UpdateAsync(old[1].Id, j => j with { LastMessage = "after the move" }, CancellationToken.None, current: stale);
        var legacyLeft = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {DispatchJobEntity.LegacyRowKey}")).ToListAsync();
        var jobRows = await table.QueryAsync<TableEntity>(DispatchJobEntity.RowFilter, select: ["PartitionKey"]).ToListAsync();
        var all = await Task.WhenAll(old.Select(j => harness.Ledger.GetAsync(j.Id, CancellationToken.None)));
        var roomKeys0 = await harness.Ledger.ListAsync(new JobFilter(MeetingId: "room-keys-0"), 100, null, CancellationToken.None);

        Assert.Equal(SubmitStatus.Duplicate, repeated.Status); // found under the old key: not made twice
        Assert.Equal(old[0].Id, repeated.Job!.Id);
        Assert.Equal(SubmitStatus.Created, fresh.Status);
        Assert.True(stale!.LegacyRow);
        Assert.False(runs[0].LegacyRows.Complete); // a page a run on this budget
        Assert.Contains(runs, r => r.LegacyRows is { Complete: true, Moved: 150 });
        Assert.True(runs[^1].Backfill.Complete); // the backfill ran after the moves
        Assert.Empty(legacyLeft);
        Assert.Equal(151, jobRows.Count);
        Assert.All(all, j => Assert.False(j!.LegacyRow));
        Assert.Equal(JobState.Cancelled, all[2]!.State); // written to the old row before it moved, and moved as written
        Assert.Equal(LedgerUpdateStatus.Updated, updated.Status);
        Assert.Equal("after the move", (await harness.Ledger.GetAsync(old[1].Id, CancellationToken.None))!.LastMessage);
        Assert.True(await harness.Ledger.AreRowKeysCurrentAsync(CancellationToken.None));
        Assert.Equal(31, roomKeys0!.Items.Count);
    }

    [Fact]
    public async Task Retention_DeletesFinalJobsPastItWithTheirRows_AndKeepsTheRest()
    {
        var time = JobsHarness.NewClock();
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, time: time);
        var done = (await harness.Jobs.SubmitAsync(Request("room-old", null, "key:done"), JobSources.Http, CancellationToken.None)).Job!;
        var cancelled = (await harness.Jobs.SubmitAsync(Request("room-old", time.GetUtcNow().AddHours(1), "key:cancelled"), JobSources.Http, CancellationToken.None)).Job!;
        await harness.Jobs.CancelAsync(cancelled.Id, CancellationToken.None);
        await harness.Ledger.AddAliasAsync("calendly:moved", done.Id, CancellationToken.None);
        await harness.Ledger.AddTombstoneAsync("calendly:never-made", time.GetUtcNow(), CancellationToken.None);
        var later = (await harness.Jobs.SubmitAsync(Request("room-old", time.GetUtcNow().AddDays(40), "key:later"), JobSources.Http, CancellationToken.None)).Job!;

        time.Advance(TimeSpan.FromDays(29));
        var early = await harness.Services.Get<LedgerMaintenance>().RunAsync(CancellationToken.None);
        var recent = (await harness.Jobs.SubmitAsync(Request("room-old", null, "key:recent"), JobSources.Http, CancellationToken.None)).Job!;
        time.Advance(TimeSpan.FromDays(2));
        var report = await harness.Services.Get<LedgerMaintenance>().RunAsync(CancellationToken.None);
        var rerun = await harness.Services.Get<LedgerMaintenance>().RunAsync(CancellationToken.None);

        Assert.Equal(0, early.Retention.Jobs);
        Assert.Equal(2, report.Retention.Jobs);
        Assert.Equal(1, report.Retention.Tombstones);
        Assert.Equal(0, rerun.Retention.Jobs + rerun.Retention.Tombstones);
        Assert.Null(await harness.Ledger.GetAsync(done.Id, CancellationToken.None));
        Assert.Null(await harness.Ledger.GetAsync(cancelled.Id, CancellationToken.None));
        Assert.Null(await harness.Ledger.ResolveAsync("calendly:moved", CancellationToken.None));
        Assert.Null(await harness.Ledger.GetTombstoneAsync("calendly:never-made", CancellationToken.None));
        Assert.Empty(await RowsOfAsync(harness, IndexTable.Lookup, done.Id));
        Assert.Empty(await RowsOfAsync(harness, IndexTable.Lookup, cancelled.Id));
        Assert.Empty(await RowsOfAsync(harness, IndexTable.Lookup, JobIds.ForKey("calendly:never-made")));
        Assert.NotNull(await harness.Ledger.GetAsync(later.Id, CancellationToken.None)); // still scheduled
        Assert.NotNull(await harness.Ledger.GetAsync(recent.Id, CancellationToken.None)); // final, but younger than 30 days
        var kept = await harness.Ledger.ListAsync(new JobFilter(MeetingId: "room-old"), 50, null, CancellationToken.None);
        Assert.Equal(new[] { recent.Id, later.Id }.Order(StringComparer.Ordinal), kept!.Items.Select(j => j.Id).Order(StringComparer.Ordinal));
    }
}
