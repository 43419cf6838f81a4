using AgentDispatch.Notifications;
using AgentDispatch.Storage;
using AgentDispatch.Telemetry;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Jobs;

/// <summary>A page of jobs and the cursor for the next one (null at the end).</summary>
public sealed record JobPage(IReadOnlyList<DispatchJob> Items, string? Next);

public enum LedgerUpdateStatus
{
    /// <summary>The change was written; the job is as written.</summary>
    Updated,

    /// <summary>The change declined (returned null) for the job as it stands; nothing was written.</summary>
    Unchanged,

    /// <summary>No job has this id.</summary>
    NotFound,

    /// <summary>The row changed under every attempt; the job is as last read.</summary>
    Contended,
}

/// <summary>What <see cref="DispatchLedger.UpdateAsync"/> did, and the job as it stands afterwards.</summary>
public readonly record struct LedgerUpdate(LedgerUpdateStatus Status, DispatchJob? Job)
{
    public bool Updated => Status == LedgerUpdateStatus.Updated;
}

/// <summary>
/// The ledger: one Azure Table row per job. Inserts fail on an existing row (that is how a repeated
/// key is caught) and every change of state is conditional on the ETag the change was based on.
/// </summary>
public sealed class DispatchLedger
{
    private const string AliasRowKey = "alias";
    private const string AliasTarget = "JobId";
    private const string TombstoneRowKey = "tombstone";
    private const string TombstoneAt = "At";
    /// <summary>
    /// How often a conditional change is tried against a row that keeps changing. Writers of one job are
    /// few (a source, the API, one dispatching instance), so five conflicts in a row mean contention
    /// that the caller should report rather than spin on.
    /// </summary>
    public const int MaxUpdateAttempts = 5;

    /// <summary>How far back each sweep reads again before its last horizon, in case a clock that wrote a job ran behind the sweep's.</summary>
    public static readonly TimeSpan HorizonOverlap = TimeSpan.FromMinutes(2);

    private const string SweepCheckpoint = "sweep";
    private const string BackfillCheckpoint = "backfill";
    private const string RowKeysCheckpoint = "rowkeys";
    private const string AliasOfRowKeyPrefix = "aliasof|";
    private const string TombstoneHint = "Hint";

    private readonly TableClient _table;
    private readonly CreateOnce _created;
    private readonly ILogger<DispatchLedger> _logger;
    private readonly JobEventPublisher? _events;
    private readonly LedgerIndex _index;
    private readonly JobsOptions _options;

    // Once set, each stays so; until then it is looked up again at most every 30 s.
    private readonly CheckpointFlag _indexComplete;
    private readonly CheckpointFlag _rowKeysCurrent;

    /// <param name="events">Where status events go; null only for a reader that never writes (a test's audit).</param>
    public DispatchLedger(StorageClients storage, IOptions<JobsOptions> options, ILogger<DispatchLedger> logger, JobEventPublisher? events = null)
    {
        _logger = logger;
        _events = events;
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _table = storage.Tables.GetTableClient(_options.LedgerTable);
        _index = new LedgerIndex(storage.Tables, _options, logger);
        _indexComplete = new CheckpointFlag(_index, BackfillCheckpoint);
        _rowKeysCurrent = new CheckpointFlag(_index, RowKeysCheckpoint);
        // Locally (Azurite in memory) the tables start missing; in Azure the deployment creates them.
        _created = new CreateOnce(CreateTablesAsync);
    }

    /// <summary>How long an index row no job wants is left alone (<c>Jobs:IndexGrace</c>).</summary>
    public TimeSpan IndexGrace => _index.Grace;

    /// <summary>
    /// Inserts <paramref name="job"/> unless a row with its id exists; then returns that row instead. A
    /// new job is its first status event.
    /// </summary>
    public async Task<(DispatchJob Job, bool Inserted)> InsertOrGetAsync(DispatchJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        using var activity = AgentDispatchActivities.Start(AgentDispatchActivities.Names.LedgerInsert)?.SetTag(AgentDispatchActivities.JobIdTag, job.Id);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        job = job with { LegacyRow = false };
        if (!await AreRowKeysCurrentAsync(cancellationToken).ConfigureAwait(false)
            && await ReadJobAsync(job.Id, DispatchJobEntity.LegacyRowKey, cancellationToken).ConfigureAwait(false) is { } legacy)
        {
            // Written by an earlier version under the old row key: the same job, already there.
            activity?.SetTag("agentdispatch.ledger.inserted", false);
            return (legacy, false);
        }

        var type = JobEventTypes.Change(job);
        job = type is null ? job : JobEventTypes.Announce(job);
        var entries = IndexKeys.For(job, []);
        job = job with { Indexed = entries };
        var started = LedgerIndex.Started();
        var outbox = await WriteOutboxAsync(job, type, cancellationToken).ConfigureAwait(false);
        await _index.WriteAsync(entries, job.Id, cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await _table.AddEntityAsync(DispatchJobEntity.From(job), cancellationToken).ConfigureAwait(false);
            activity?.SetTag("agentdispatch.ledger.inserted", true);
            var inserted = job with { ETag = response.Headers.ETag?.ToString() };
            await _index.RewriteIfSlowAsync(started, entries, job.Id, cancellationToken).ConfigureAwait(false);
            await AnnounceAsync(inserted, type, outbox).ConfigureAwait(false);
            return (inserted, true);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            activity?.SetTag("agentdispatch.ledger.inserted", false);
            // The rows just written carry new tags: nothing but this insert wanted them.
            await _index.DeleteAsync(outbox is { } o ? entries.Append(o) : entries, job.Id).ConfigureAwait(false);
            var existing = await GetAsync(job.Id, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Job {job.Id} conflicted on insert but could not be read.", ex);
            return (existing, false);
        }
    }

    public async Task<DispatchJob?> GetAsync(string id, CancellationToken cancellationToken)
    {
        using var activity = AgentDispatchActivities.Start(AgentDispatchActivities.Names.LedgerRead)?.SetTag(AgentDispatchActivities.JobIdTag, id);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        return await ReadJobAsync(id, DispatchJobEntity.RowKeyFor(id), cancellationToken).ConfigureAwait(false)
            ?? (await AreRowKeysCurrentAsync(cancellationToken).ConfigureAwait(false) ? null : await ReadJobAsync(id, DispatchJobEntity.LegacyRowKey, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the job and writes the result conditional on the version it
    /// was applied to; when the row changed meanwhile, reads it again and applies the change again, up to
    /// <see cref="MaxUpdateAttempts"/> times. The change returns null to leave the job as it is — it sees
    /// the job as it stands, so it may decline on a later attempt what it accepted on an earlier one.
    /// </summary>
    /// <param name="current">The job as the caller just read it, to save the first read; null to read it here.</param>
    public async Task<LedgerUpdate> UpdateAsync(string id, Func<DispatchJob, DispatchJob?> change, CancellationToken cancellationToken, DispatchJob? current = null)
    {
        ArgumentNullException.ThrowIfNull(change);
        var result = await ChangeRowAsync(
            current ?? await GetAsync(id, cancellationToken).ConfigureAwait(false),
            () => GetAsync(id, cancellationToken),
            job => job is null ? null : change(job),
            (job, next) => TryReplaceAsync(next with { ETag = job!.ETag }, cancellationToken)).ConfigureAwait(false);
        return result.Row is null ? new LedgerUpdate(LedgerUpdateStatus.NotFound, null) : new LedgerUpdate(result.Status, result.Row);
    }

    /// <summary>
    /// Replaces the row if it is still the version <paramref name="job"/> was read at; null when it changed
    /// meanwhile. A write that changes the job's state (or moves a scheduled one) is a status event: its
    /// <see cref="DispatchJob.Sequence"/> goes up with the write, and its deliveries are queued after it.
    /// </summary>
    public async Task<DispatchJob?> TryReplaceAsync(DispatchJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var type = JobEventTypes.Change(job);
        job = type is null ? job : JobEventTypes.Announce(job);
        using var activity = AgentDispatchActivities.Start(AgentDispatchActivities.Names.LedgerReplace)
            ?.SetTag(AgentDispatchActivities.JobIdTag, job.Id)
            .SetTag(AgentDispatchActivities.StateTag, JobStates.Wire(job.State));

        // The job as read carries the rows it had; the change keeps those it still wants. New rows go in
        // before the job's write and given-up ones come out after it, so no crash hides the job.
        var held = job.Indexed;
        var entries = IndexKeys.For(job, held);
        var added = entries.Except(held).ToList();
        var started = LedgerIndex.Started();
        job = job with { Indexed = entries };
        var outbox = await WriteOutboxAsync(job, type, cancellationToken).ConfigureAwait(false);
        if (added.Count > 0)
        {
            await _index.WriteAsync(added, job.Id, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var entity = DispatchJobEntity.From(job);
            var response = await _table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            var written = job with { ETag = response.Headers.ETag?.ToString() };
            await _index.RewriteIfSlowAsync(started, added, job.Id, cancellationToken).ConfigureAwait(false);
            if (held.Except(entries).ToList() is { Count: > 0 } given)
            {
                await _index.DeleteAsync(given, job.Id).ConfigureAwait(false);
            }

            await AnnounceAsync(written, type, outbox).ConfigureAwait(false);
            return written;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            // Lost the race for the row: not an error, the caller reads again and decides again. The rows
            // added for this version have tags no other version has.
            activity?.SetTag("agentdispatch.ledger.conflict", true);
            await _index.DeleteAsync(outbox is { } o ? added.Append(o) : added, job.Id).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>As <see cref="ListAsync(JobFilter, int, string?, CancellationToken)"/> by meeting and/or state.</summary>
    public Task<JobPage?> ListAsync(string? meetingId, JobState? state, int pageSize, string? cursor, CancellationToken cancellationToken)
        => ListAsync(new JobFilter(meetingId, state), pageSize, cursor, cancellationToken);

    /// <summary>
    /// A page of the jobs <paramref name="filter"/> asks for, read from the index that answers it: of a
    /// meeting or in a state, newest <c>dispatchAt</c> first; in a <c>dispatchAt</c> range, earliest first;
    /// with no filter, every job in the ledger's own order. A page may hold fewer jobs than asked while more
    /// follow (index rows met that point at jobs since moved on). Null when the table refuses
    /// <paramref name="cursor"/> (one this API did not give out).
    /// </summary>
    public async Task<JobPage?> ListAsync(JobFilter filter, int pageSize, string? cursor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        using var activity = AgentDispatchActivities.Start(AgentDispatchActivities.Names.LedgerList);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var token = TableCursors.Decode(cursor);
        try
        {
            if (filter.IsEmpty || !await IsIndexCompleteAsync(cancellationToken).ConfigureAwait(false))
            {
                return await ListRowsAsync(LedgerFilter(filter), pageSize, token, cancellationToken).ConfigureAwait(false);
            }

            var page = await _index.PageAsync(IndexTable.Lookup, IndexFilter(filter), pageSize, token, cancellationToken).ConfigureAwait(false);
            var jobs = await ResolveAsync(page.Hints, cancellationToken).ConfigureAwait(false);
            return new JobPage(jobs.Where(filter.Matches).ToList(), TableCursors.Encode(page.Next));
        }
        catch (Exception ex) when (cursor is not null && (ex is RequestFailedException { Status: 400 } or FormatException or ArgumentException))
        {
            return null;
        }
    }

    /// <summary>
    /// Records that <paramref name="aliasKey"/> now names the job <paramref name="jobId"/> (a meeting that
    /// moved to a new identity). An alias row shares the id space of jobs but has its own row key, so
    /// listings never show it; a row in the job's own partition points back at it, so retention finds it.
    /// </summary>
    public async Task AddAliasAsync(string aliasKey, string jobId, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var aliasPartition = JobIds.ForKey(aliasKey);
        await _table.UpsertEntityAsync(new TableEntity(jobId, AliasOfRowKeyPrefix + aliasPartition), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        try
        {
            await _table.AddEntityAsync(new TableEntity(aliasPartition, AliasRowKey) { [AliasTarget] = jobId }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Already recorded by an earlier delivery of the same change.
        }
    }

    /// <summary>
    /// Remembers that the source cancelled <paramref name="key"/> at <paramref name="at"/> before any job
    /// existed for it (deliveries out of order), so a create that is older is recognised as stale. Each
    /// tombstone is in the lookup index by its day, so retention finds it whether or not a job follows.
    /// </summary>
    public async Task AddTombstoneAsync(string key, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var partitionKey = JobIds.ForKey(key);
        Task<TableEntity?> ReadAsync() => ReadEntityAsync(partitionKey, TombstoneRowKey, cancellationToken);

        // One may be there already: keep the later of the two.
        IndexEntry? hint = null;
        await ChangeRowAsync(
            await ReadAsync().ConfigureAwait(false),
            ReadAsync,
            held =>
            {
                if (held?.GetDateTimeOffset(TombstoneAt) >= at)
                {
                    return null;
                }

                hint = new IndexEntry(IndexTable.Lookup, IndexKeys.GonePartition(at), partitionKey + IndexKeys.Separator + IndexKeys.Tag());
                return new TableEntity(partitionKey, TombstoneRowKey) { [TombstoneAt] = at, [TombstoneHint] = hint.Value.ToString() };
            },
            async (held, next) =>
            {
                await _index.WriteAsync([hint!.Value], partitionKey, cancellationToken).ConfigureAwait(false);
                var written = held is null ? await TryAddAsync(next, cancellationToken).ConfigureAwait(false) : await TryUpdateAsync(next, held.ETag, cancellationToken).ConfigureAwait(false);
                var given = written is null ? hint : GoneHintOf(held);
                if (given is { } row)
                {
                    await _index.DeleteAsync([row], partitionKey).ConfigureAwait(false);
                }

                return written;
            }).ConfigureAwait(false);
    }

    public async Task<DateTimeOffset?> GetTombstoneAsync(string key, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var tombstone = await _table.GetEntityIfExistsAsync<TableEntity>(JobIds.ForKey(key), TombstoneRowKey, [TombstoneAt], cancellationToken).ConfigureAwait(false);
        return tombstone.HasValue ? tombstone.Value!.GetDateTimeOffset(TombstoneAt) : null;
    }

    /// <summary>The job a key names: its own, or the one an alias points at.</summary>
    public async Task<DispatchJob?> ResolveAsync(string key, CancellationToken cancellationToken)
    {
        var id = JobIds.ForKey(key);
        if (await GetAsync(id, cancellationToken).ConfigureAwait(false) is { } job)
        {
            return job;
        }

        var alias = await _table.GetEntityIfExistsAsync<TableEntity>(id, AliasRowKey, [AliasTarget], cancellationToken).ConfigureAwait(false);
        return alias.HasValue && alias.Value!.GetString(AliasTarget) is { } target ? await GetAsync(target, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>Scheduled jobs of one origin (a calendar feed, a schedule), for reconciling the source against the ledger.</summary>
    public async IAsyncEnumerable<DispatchJob> ScheduledOfOriginAsync(string origin, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var jobs = await IsIndexCompleteAsync(cancellationToken).ConfigureAwait(false)
            ? FromIndexAsync(IndexTable.Lookup, TableClient.CreateQueryFilter($"PartitionKey eq {IndexKeys.OriginPartition(origin)}"), cancellationToken)
            : QueryAsync(DispatchJobEntity.RowFilter + " and " + TableClient.CreateQueryFilter($"State eq {nameof(JobState.Scheduled)} and Origin eq {origin}"), cancellationToken);
        await foreach (var job in jobs.ConfigureAwait(false))
        {
            if (job.State == JobState.Scheduled && job.Origin == origin)
            {
                yield return job;
            }
        }
    }

    /// <summary>Scheduled jobs due after <paramref name="after"/> (null: any time before) and at or before <paramref name="upTo"/>, for the sweep.</summary>
    public async IAsyncEnumerable<DispatchJob> ScheduledDueAsync(DateTimeOffset? after, DateTimeOffset upTo, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        IAsyncEnumerable<DispatchJob> jobs;
        if (await IsIndexCompleteAsync(cancellationToken).ConfigureAwait(false))
        {
            var filter = TimelineFilter(IndexKeys.Due, after, upTo);
            jobs = FromIndexAsync(IndexTable.Timeline, filter, cancellationToken);
        }
        else
        {
            var filter = TableClient.CreateQueryFilter($"State eq {nameof(JobState.Scheduled)} and DueAt le {upTo}");
            jobs = QueryAsync(after is { } a ? filter + " and " + TableClient.CreateQueryFilter($"DueAt gt {a}") : filter, cancellationToken);
        }

        await foreach (var job in jobs.ConfigureAwait(false))
        {
            if (job.State == JobState.Scheduled && job.DueAt <= upTo && (after is null || job.DueAt > after))
            {
                yield return job;
            }
        }
    }

    /// <summary>Jobs claimed for dispatch whose claim has run out (the instance that claimed them is gone).</summary>
    public async IAsyncEnumerable<DispatchJob> AbandonedAsync(DateTimeOffset now, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var jobs = await IsIndexCompleteAsync(cancellationToken).ConfigureAwait(false)
            ? FromIndexAsync(IndexTable.Timeline, TimelineFilter(IndexKeys.Lease, null, now), cancellationToken)
            : QueryAsync(TableClient.CreateQueryFilter($"State eq {nameof(JobState.Dispatching)} and LeaseUntil lt {now}"), cancellationToken);
        await foreach (var job in jobs.ConfigureAwait(false))
        {
            if (job is { State: JobState.Dispatching, LeaseUntil: { } lease } && lease < now)
            {
                yield return job;
            }
        }
    }

    /// <summary>Jobs confirming an assigned answer whose looks in the room should have ended before <paramref name="before"/>.</summary>
    public async IAsyncEnumerable<DispatchJob> ConfirmingPastAsync(DateTimeOffset before, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var jobs = await IsIndexCompleteAsync(cancellationToken).ConfigureAwait(false)
            ? FromIndexAsync(IndexTable.Timeline, TimelineFilter(IndexKeys.Confirm, null, before), cancellationToken)
            : QueryAsync(TableClient.CreateQueryFilter($"State eq {nameof(JobState.Assigned)} and ConfirmBy lt {before}"), cancellationToken);
        await foreach (var job in jobs.ConfigureAwait(false))
        {
            if (job is { State: JobState.Assigned, ConfirmBy: { } by } && by < before)
            {
                yield return job;
            }
        }
    }

    /// <summary>
    /// Where the last sweep's look ahead ended: jobs due up to it have had their wake-ups queued. Null when
    /// no sweep has recorded one, or while the index is incomplete (the sweep then reads every scheduled job).
    /// </summary>
    public async Task<DateTimeOffset?> GetSweepHorizonAsync(CancellationToken cancellationToken)
        => await IsIndexCompleteAsync(cancellationToken).ConfigureAwait(false)
            ? (await _index.ReadCheckpointAsync(SweepCheckpoint, cancellationToken).ConfigureAwait(false))?.GetDateTimeOffset("Horizon")
            : null;

    /// <summary>Records the sweep's look ahead, unless a later one is recorded already.</summary>
    public async Task SetSweepHorizonAsync(DateTimeOffset horizon, CancellationToken cancellationToken)
    {
        if (!await IsIndexCompleteAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var read = await _index.ReadCheckpointAsync(SweepCheckpoint, cancellationToken).ConfigureAwait(false);
        if (read?.GetDateTimeOffset("Horizon") is not { } held || held < horizon)
        {
            await _index.WriteCheckpointAsync(new TableEntity { RowKey = SweepCheckpoint, ["Horizon"] = horizon }, read, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>True once every job is in the index (written by this version, or indexed by the backfill).</summary>
    public async Task<bool> IsIndexCompleteAsync(CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        return await _indexComplete.IsSetAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True once no job row is under the row key an earlier version wrote (<see cref="DispatchJobEntity.LegacyRowKey"/>).</summary>
    public async Task<bool> AreRowKeysCurrentAsync(CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        return await _rowKeysCurrent.IsSetAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Moves job rows an earlier version wrote under <see cref="DispatchJobEntity.LegacyRowKey"/> to the row
    /// key that names the job, a page at a time for at most <paramref name="budget"/>: each move is one
    /// transaction in the job's partition (add the new row, delete the old one if still as read), so a job
    /// is under exactly one key at every moment, and a writer holding the old row's version is refused
    /// and reads the job again. Until every row is moved, reads fall back to the old key and inserts check
    /// it, so nothing is missed or made twice meanwhile. A row that changed under its move is retried at
    /// the next pass.
    /// </summary>
    public async Task<LegacyRowsReport> MoveLegacyRowsAsync(TimeSpan budget, CancellationToken cancellationToken)
    {
        if (await AreRowKeysCurrentAsync(cancellationToken).ConfigureAwait(false))
        {
            return new LegacyRowsReport(true, 0);
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var checkpoint = await _index.ReadCheckpointAsync(RowKeysCheckpoint, cancellationToken).ConfigureAwait(false);
        var cursor = checkpoint?.GetString("Cursor");
        var total = checkpoint?.GetInt64("Moved") ?? 0;
        var missed = checkpoint?.GetBoolean("Missed") == true;
        var filter = TableClient.CreateQueryFilter($"RowKey eq {DispatchJobEntity.LegacyRowKey}");
        while (true)
        {
            string? next = null;
            await foreach (var page in _table.QueryAsync<DispatchJobEntity>(filter, 100, cancellationToken: cancellationToken).AsPages(cursor, 100).ConfigureAwait(false))
            {
                foreach (var entity in page.Values)
                {
                    if (await MoveRowAsync(entity, cancellationToken).ConfigureAwait(false))
                    {
                        total++;
                    }
                    else
                    {
                        missed = true;
                    }
                }

                next = page.ContinuationToken;
                break;
            }

            // At the end of a pass with a row left behind, the next pass starts over (moved rows no longer match).
            var complete = next is null && !missed;
            var saved = new TableEntity { RowKey = RowKeysCheckpoint, ["Cursor"] = next, ["Moved"] = total, ["Missed"] = next is not null && missed, ["Complete"] = complete };
            if (!await _index.WriteCheckpointAsync(saved, checkpoint, cancellationToken).ConfigureAwait(false))
            {
                return new LegacyRowsReport(false, total); // another instance is at it
            }

            if (complete)
            {
                _rowKeysCurrent.Set();
                return new LegacyRowsReport(true, total);
            }

            checkpoint = await _index.ReadCheckpointAsync(RowKeysCheckpoint, cancellationToken).ConfigureAwait(false);
            cursor = next;
            missed = next is not null && missed;
            if (next is null || System.Diagnostics.Stopwatch.GetElapsedTime(started) > budget)
            {
                return new LegacyRowsReport(false, total);
            }
        }
    }

    /// <summary>
    /// Indexes jobs written by an earlier version (no index rows), a page at a time from where the last run
    /// stopped, for at most <paramref name="budget"/>. Idempotent: a job indexed already is skipped, and a
    /// job changed meanwhile has been indexed by its writer. Until it completes, the sweep, listings and
    /// reconciliation read the ledger itself, so nothing is missed while it runs.
    /// </summary>
    public async Task<BackfillReport> BackfillAsync(TimeSpan budget, CancellationToken cancellationToken)
    {
        if (await IsIndexCompleteAsync(cancellationToken).ConfigureAwait(false))
        {
            return new BackfillReport(true, 0, 0);
        }

        if (!await AreRowKeysCurrentAsync(cancellationToken).ConfigureAwait(false))
        {
            // A row moved while it is indexed would lose its index record: the moves go first.
            return new BackfillReport(false, 0, 0);
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var checkpoint = await _index.ReadCheckpointAsync(BackfillCheckpoint, cancellationToken).ConfigureAwait(false);
        var cursor = checkpoint?.GetString("Cursor");
        var total = checkpoint?.GetInt64("Indexed") ?? 0;
        var scanned = 0;
        var indexed = 0;
        var filter = DispatchJobEntity.RowFilter;
        while (true)
        {
            string? next = null;
            await foreach (var page in _table.QueryAsync<DispatchJobEntity>(filter, 100, cancellationToken: cancellationToken).AsPages(cursor, 100).ConfigureAwait(false))
            {
                foreach (var entity in page.Values)
                {
                    scanned++;
                    if (entity.Indexed is null && await IndexRowAsync(entity, cancellationToken).ConfigureAwait(false))
                    {
                        indexed++;
                    }
                }

                next = page.ContinuationToken;
                break;
            }

            total += indexed;
            var complete = next is null;
            var saved = new TableEntity { RowKey = BackfillCheckpoint, ["Cursor"] = next, ["Indexed"] = total, ["Complete"] = complete };
            if (!await _index.WriteCheckpointAsync(saved, checkpoint, cancellationToken).ConfigureAwait(false))
            {
                // Another instance is backfilling too; it carries on from its own page.
                return new BackfillReport(false, scanned, total);
            }

            checkpoint = await _index.ReadCheckpointAsync(BackfillCheckpoint, cancellationToken).ConfigureAwait(false);
            indexed = 0;
            cursor = next;
            if (complete)
            {
                _indexComplete.Set();
                return new BackfillReport(true, scanned, total);
            }

            if (System.Diagnostics.Stopwatch.GetElapsedTime(started) > budget)
            {
                return new BackfillReport(false, scanned, total);
            }
        }
    }

    /// <summary>
    /// Deletes final jobs whose <c>dispatchAt</c> and last change are both before <paramref name="cutoff"/>,
    /// with their index, alias and tombstone rows, and tombstones older than it; at most
    /// <paramref name="maxJobs"/> jobs a run. Each job goes as: aliases, then the job's own partition in
    /// one transaction (conditional on the job as read, so a job revived meanwhile stays), then its index
    /// rows, the row that found it last — so a run cut short is finished by the next.
    /// </summary>
    public async Task<RetentionReport> DeleteFinalBeforeAsync(DateTimeOffset cutoff, int maxJobs, CancellationToken cancellationToken)
    {
        if (!await IsIndexCompleteAsync(cancellationToken).ConfigureAwait(false))
        {
            return new RetentionReport(0, 0, false);
        }

        var jobs = 0;
        foreach (var state in new[] { JobState.Joined, JobState.NotJoined, JobState.Assigned, JobState.Failed, JobState.Expired, JobState.Cancelled })
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {IndexKeys.StatePartition(state)} and RowKey gt {IndexKeys.Newest(cutoff) + "~"}");
            await foreach (var hint in _index.QueryAsync(IndexTable.Lookup, filter, cancellationToken).ConfigureAwait(false))
            {
                if (jobs >= maxJobs)
                {
                    return new RetentionReport(jobs, 0, true);
                }

                var job = await GetAsync(hint.JobId, cancellationToken).ConfigureAwait(false);
                if (job is null || !job.Indexed.Contains(hint.Entry))
                {
                    await _index.ForgetAsync(hint, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (!job.IsFinal || job.UpdatedAt >= cutoff || job.DispatchAt >= cutoff)
                {
                    continue;
                }

                try
                {
                    if (await DeleteJobAsync(job, hint.Entry, cancellationToken).ConfigureAwait(false))
                    {
                        jobs++;
                    }
                }
                catch (RequestFailedException ex)
                {
                    Log.RetentionFailed(_logger, job.Id, ex);
                }
            }
        }

        var tombstones = 0;
        var gone = TableClient.CreateQueryFilter($"PartitionKey ge {IndexKeys.FirstHour(IndexKeys.Gone)} and PartitionKey lt {IndexKeys.GonePartition(cutoff)}");
        await foreach (var hint in _index.QueryAsync(IndexTable.Lookup, gone, cancellationToken).ConfigureAwait(false))
        {
            if (tombstones >= maxJobs)
            {
                return new RetentionReport(jobs, tombstones, true);
            }

            var tombstone = await ReadEntityAsync(hint.JobId, TombstoneRowKey, cancellationToken).ConfigureAwait(false);
            if (tombstone is null || GoneHintOf(tombstone) != hint.Entry)
            {
                await _index.ForgetAsync(hint, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (tombstone.GetDateTimeOffset(TombstoneAt) < cutoff
                && (await _table.DeleteEntityAsync(hint.JobId, TombstoneRowKey, tombstone.ETag, cancellationToken).ConfigureAwait(false)).Status != 404)
            {
                await _index.DeleteAsync([hint.Entry], hint.JobId).ConfigureAwait(false);
                tombstones++;
            }
        }

        return new RetentionReport(jobs, tombstones, false);
    }

    /// <summary>
    /// Queues again the status events whose writes landed but whose deliveries were never queued (the
    /// instance died between the two, or the queue was down): outbox rows older than
    /// <paramref name="writtenBefore"/>. An event is sent only while it is still the job's latest; one the
    /// job has moved past is counted lost (the subscriber sees the gap in <c>sequence</c>).
    /// </summary>
    public async Task<int> ResendUnannouncedAsync(DateTimeOffset writtenBefore, CancellationToken cancellationToken)
    {
        if (_events is null)
        {
            return 0;
        }

        var resent = 0;
        var filter = TimelineFilter(IndexKeys.Notify, null, writtenBefore);
        await foreach (var row in _index.RowsAsync(IndexTable.Timeline, filter, cancellationToken).ConfigureAwait(false))
        {
            var entry = new IndexEntry(IndexTable.Timeline, row.PartitionKey, row.RowKey);
            if (row.GetString(LedgerIndex.JobIdProperty) is not { } jobId || row.GetInt32(LedgerIndex.SequenceProperty) is not { } sequence || row.GetString(LedgerIndex.TypeProperty) is not { } type)
            {
                await _index.DeleteAsync([entry], row.PartitionKey).ConfigureAwait(false);
                continue;
            }

            var job = await GetAsync(jobId, cancellationToken).ConfigureAwait(false);
            if (job?.Sequence == sequence)
            {
                if (!await _events.PublishAsync(job, type).ConfigureAwait(false))
                {
                    continue; // still unreachable: the next sweep tries again
                }

                resent++;
            }
            else if (job is not null && job.Sequence > sequence)
            {
                _events.Superseded(JobEvent.IdFor(job with { Sequence = sequence }));
            }

            // Sent now, superseded, or its write never landed (no job, or an older sequence).
            await _index.DeleteAsync([entry], jobId).ConfigureAwait(false);
        }

        return resent;
    }

    /// <summary>
    /// Writes jobs as they are, with their index rows, in bulk: index rows a batch transaction per
    /// partition, then the job rows. For seeding a ledger (a benchmark, a migration); no status events.
    /// </summary>
    public async Task ImportAsync(IReadOnlyList<DispatchJob> jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var planned = jobs.Select(j => j with { Indexed = IndexKeys.For(j, []), ETag = null }).ToList();
        await _index.ImportAsync(planned.SelectMany(j => j.Indexed.Select(e => (e, j.Id))), 8, cancellationToken).ConfigureAwait(false);
        await Parallel.ForEachAsync(planned, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (job, ct) =>
            await _table.UpsertEntityAsync(DispatchJobEntity.From(job), TableUpdateMode.Replace, ct).ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>See <see cref="TableCursors"/>.</summary>
    public static bool IsWellFormedCursor(string? cursor) => TableCursors.IsWellFormed(cursor);

    private async Task<bool> DeleteJobAsync(DispatchJob job, IndexEntry foundBy, CancellationToken cancellationToken)
    {
        var own = new List<TableEntity>();
        await foreach (var row in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {job.Id}"), 100, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            own.Add(row);
        }

        foreach (var back in own.Where(r => r.RowKey.StartsWith(AliasOfRowKeyPrefix, StringComparison.Ordinal)))
        {
            var aliasPartition = back.RowKey[AliasOfRowKeyPrefix.Length..];
            if (await ReadEntityAsync(aliasPartition, AliasRowKey, cancellationToken).ConfigureAwait(false) is { } alias && alias.GetString(AliasTarget) == job.Id)
            {
                await _table.DeleteEntityAsync(aliasPartition, AliasRowKey, alias.ETag, cancellationToken).ConfigureAwait(false);
            }
        }

        var actions = own.Select(r => new TableTransactionAction(
            TableTransactionActionType.Delete, r, DispatchJobEntity.IsJobRow(r.RowKey) ? new ETag(job.ETag!) : ETag.All)).ToList();
        try
        {
            await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 412 or 404)
        {
            // Changed (revived, say) or deleted since it was read: the next run decides again.
            return false;
        }

        var rows = job.Indexed.Where(e => e != foundBy).ToList();
        if (own.FirstOrDefault(r => r.RowKey == TombstoneRowKey) is { } tombstone && GoneHintOf(tombstone) is { } gone)
        {
            rows.Add(gone);
        }

        await _index.DeleteAsync(rows, job.Id).ConfigureAwait(false);
        await _index.DeleteAsync([foundBy], job.Id).ConfigureAwait(false);
        return true;
    }

    /// <summary>Writes a job row's index (a row an earlier version wrote), conditional on the row as read.</summary>
    private async Task<bool> IndexRowAsync(DispatchJobEntity entity, CancellationToken cancellationToken)
    {
        DispatchJob job;
        try
        {
            job = entity.ToJob();
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or System.Text.Json.JsonException)
        {
            Log.BadRow(_logger, entity.PartitionKey, ex);
            return false;
        }

        var entries = IndexKeys.For(job, []);
        await _index.WriteAsync(entries, job.Id, cancellationToken).ConfigureAwait(false);
        try
        {
            await _table.UpdateEntityAsync(
                new TableEntity(entity.PartitionKey, entity.RowKey) { ["Indexed"] = IndexEntry.Join(entries) }, entity.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            // Written meanwhile, by this version (which indexed it) or deleted: these rows are nobody's.
            await _index.DeleteAsync(entries, job.Id).ConfigureAwait(false);
            return false;
        }
    }

    private async Task<JobPage> ListRowsAsync(string filter, int pageSize, string? token, CancellationToken cancellationToken)
    {
        await foreach (var page in _table.QueryAsync<DispatchJobEntity>(filter, pageSize, cancellationToken: cancellationToken).AsPages(token, pageSize).ConfigureAwait(false))
        {
            return new JobPage(page.Values.Select(e => e.ToJob()).ToList(), TableCursors.Encode(page.ContinuationToken));
        }

        return new JobPage([], null);
    }

    /// <summary>The filter on the ledger itself: only for listing everything, or while the index is incomplete.</summary>
    private static string LedgerFilter(JobFilter filter)
    {
        var filters = new List<string> { DispatchJobEntity.RowFilter };
        if (filter.MeetingId is { } meetingId)
        {
            filters.Add(TableClient.CreateQueryFilter($"MeetingId eq {meetingId}"));
        }

        if (filter.State is { } s)
        {
            filters.Add(TableClient.CreateQueryFilter($"State eq {s.ToString()}"));
        }

        if (filter.From is { } from)
        {
            filters.Add(TableClient.CreateQueryFilter($"DispatchAt ge {from}"));
        }

        if (filter.To is { } to)
        {
            filters.Add(TableClient.CreateQueryFilter($"DispatchAt lt {to}"));
        }

        return string.Join(" and ", filters);
    }

    /// <summary>The index rows that answer <paramref name="filter"/>: one partition, or a range of days.</summary>
    private static string IndexFilter(JobFilter filter)
    {
        var filters = new List<string>();
        if (filter.MeetingId is not null || filter.State is not null)
        {
            var partition = filter.MeetingId is { } meetingId ? IndexKeys.MeetingPartition(meetingId) : IndexKeys.StatePartition(filter.State!.Value);
            filters.Add(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"));

            // Newest first: a later time has a smaller key.
            if (filter.From is { } from)
            {
                filters.Add(TableClient.CreateQueryFilter($"RowKey lt {IndexKeys.Newest(from) + "~"}"));
            }

            if (filter.To is { } to)
            {
                filters.Add(TableClient.CreateQueryFilter($"RowKey gt {IndexKeys.Newest(to) + "~"}"));
            }
        }
        else
        {
            filters.Add(filter.From is { } from
                ? TableClient.CreateQueryFilter($"PartitionKey ge {IndexKeys.AtPartition(from)} and RowKey ge {IndexKeys.Ticks(from)}")
                : TableClient.CreateQueryFilter($"PartitionKey ge {IndexKeys.FirstHour(IndexKeys.At)}"));
            filters.Add(filter.To is { } to
                ? TableClient.CreateQueryFilter($"PartitionKey le {IndexKeys.AtPartition(to)} and RowKey lt {IndexKeys.Ticks(to)}")
                : TableClient.CreateQueryFilter($"PartitionKey lt {IndexKeys.FirstHour(IndexKeys.At) + "~"}"));
        }

        return string.Join(" and ", filters);
    }

    /// <summary>The timeline rows of <paramref name="kind"/> timed after <paramref name="after"/> (null: any time before) and at or before <paramref name="upTo"/>.</summary>
    private static string TimelineFilter(string kind, DateTimeOffset? after, DateTimeOffset upTo)
    {
        var from = after is { } a
            ? TableClient.CreateQueryFilter($"PartitionKey ge {IndexKeys.HourPartition(kind, a)} and RowKey gt {IndexKeys.Ticks(a) + "~"}")
            : TableClient.CreateQueryFilter($"PartitionKey ge {IndexKeys.FirstHour(kind)}");
        return from + " and " + TableClient.CreateQueryFilter($"PartitionKey le {IndexKeys.AfterHour(kind, upTo)} and RowKey lt {IndexKeys.Ticks(upTo) + "~"}");
    }

    /// <summary>The jobs index rows point at, in the rows' order, each checked against its job: a row its job no longer wants is cleaned.</summary>
    private async IAsyncEnumerable<DispatchJob> FromIndexAsync(IndexTable table, string filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var batch = new List<IndexHint>(50);
        await foreach (var hint in _index.QueryAsync(table, filter, cancellationToken).ConfigureAwait(false))
        {
            batch.Add(hint);
            if (batch.Count < 50)
            {
                continue;
            }

            foreach (var job in await ResolveAsync(batch, cancellationToken).ConfigureAwait(false))
            {
                yield return job;
            }

            batch.Clear();
        }

        foreach (var job in await ResolveAsync(batch, cancellationToken).ConfigureAwait(false))
        {
            yield return job;
        }
    }

    private async Task<List<DispatchJob>> ResolveAsync(IReadOnlyList<IndexHint> hints, CancellationToken cancellationToken)
    {
        var jobs = await Task.WhenAll(hints.Select(async hint =>
        {
            DispatchJob? job;
            try
            {
                job = await GetAsync(hint.JobId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or System.Text.Json.JsonException)
            {
                // One unreadable row (edited by hand, written by a newer version) must not stop a sweep.
                Log.BadRow(_logger, hint.JobId, ex);
                return null;
            }

            if (job is not null && job.Indexed.Contains(hint.Entry))
            {
                return job;
            }

            await _index.ForgetAsync(hint, cancellationToken).ConfigureAwait(false);
            return null;
        })).ConfigureAwait(false);
        return jobs.OfType<DispatchJob>().ToList();
    }

    private static IndexEntry? GoneHintOf(TableEntity? tombstone)
        => tombstone?.GetString(TombstoneHint) is { } text ? IndexEntry.Parse(text) : null;

    private async Task CreateTablesAsync(CancellationToken cancellationToken)
    {
        await _index.EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var created = await _table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        var fresh = created.GetRawResponse().Status is 201 or 204;
        if (!fresh && await _index.ReadCheckpointAsync(RowKeysCheckpoint, cancellationToken).ConfigureAwait(false) is null)
        {
            // Made by the deployment (or by another table user) and not yet written by this version: fresh
            // when it holds no job row yet.
            await foreach (var page in _table.QueryAsync<TableEntity>(DispatchJobEntity.RowFilter, 1, ["PartitionKey"], cancellationToken).AsPages(null, 1).ConfigureAwait(false))
            {
                fresh = page.Values.Count == 0;
                break;
            }
        }

        if (fresh)
        {
            // A ledger this version starts has nothing to move or backfill: every job it gets is written
            // under its own row key and indexed as written. (A checkpoint there already is left as it is.)
            await _index.WriteCheckpointAsync(new TableEntity { RowKey = RowKeysCheckpoint, ["Moved"] = 0L, ["Complete"] = true }, null, cancellationToken).ConfigureAwait(false);
            await _index.WriteCheckpointAsync(new TableEntity { RowKey = BackfillCheckpoint, ["Indexed"] = 0L, ["Complete"] = true }, null, cancellationToken).ConfigureAwait(false);
            _rowKeysCurrent.Set();
            _indexComplete.Set();
        }
    }

    /// <summary>Moves one job row from the old row key to its own (see <see cref="MoveLegacyRowsAsync"/>); false when it changed meanwhile.</summary>
    private async Task<bool> MoveRowAsync(DispatchJobEntity legacy, CancellationToken cancellationToken)
    {
        var etag = legacy.ETag;
        var moved = legacy.ToMoved();
        var old = new TableEntity(legacy.PartitionKey, DispatchJobEntity.LegacyRowKey);
        try
        {
            await _table.SubmitTransactionAsync(
                [new TableTransactionAction(TableTransactionActionType.Add, moved), new TableTransactionAction(TableTransactionActionType.Delete, old, etag)],
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 412 or 404)
        {
            return false; // written or deleted since read: the next pass reads it again
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            // Both keys held the job (an earlier version wrote the old row while this one ran): the new row
            // is the one read, so the old one goes.
            Log.LegacyRowDropped(_logger, legacy.PartitionKey);
            await _table.DeleteEntityAsync(legacy.PartitionKey, DispatchJobEntity.LegacyRowKey, etag, cancellationToken).ConfigureAwait(false);
            return true;
        }
    }

    private async Task<DispatchJob?> ReadJobAsync(string id, string rowKey, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<DispatchJobEntity>(id, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? response.Value!.ToJob() : null;
    }

    /// <summary>A flag kept as a checkpoint's <c>Complete</c>: once read true it stays so; until then it is read again at most every 30 s.</summary>
    private sealed class CheckpointFlag(LedgerIndex index, string checkpoint)
    {
        private volatile bool _set;
        private long _checkedAt;

        public void Set() => _set = true;

        public async Task<bool> IsSetAsync(CancellationToken cancellationToken)
        {
            if (_set)
            {
                return true;
            }

            var now = Environment.TickCount64;
            var checkedAt = Interlocked.Read(ref _checkedAt);
            if (checkedAt != 0 && now - checkedAt < 30_000)
            {
                return false;
            }

            var row = await index.ReadCheckpointAsync(checkpoint, cancellationToken).ConfigureAwait(false);
            _set = row?.GetBoolean("Complete") == true;
            Interlocked.Exchange(ref _checkedAt, now);
            return _set;
        }
    }

    private async IAsyncEnumerable<DispatchJob> QueryAsync(string filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var entity in _table.QueryAsync<DispatchJobEntity>(filter, 100, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            // One unreadable row (edited by hand, written by a newer version) must not stop a sweep.
            DispatchJob job;
            try
            {
                job = entity.ToJob();
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or System.Text.Json.JsonException)
            {
                Log.BadRow(_logger, entity.PartitionKey, ex);
                continue;
            }

            yield return job;
        }
    }

    /// <summary>
    /// The one optimistic-concurrency loop: decide on the row as read, write conditional on that version,
    /// and on a conflict read again and decide again.
    /// </summary>
    /// <param name="row">The row as first read (null when missing).</param>
    /// <param name="decide">The new row for the row as it stands (null when missing), or null to write nothing.</param>
    /// <param name="write">Writes the new row conditional on the one it was decided on; null on a conflict.</param>
    private static async Task<(LedgerUpdateStatus Status, T? Row)> ChangeRowAsync<T>(
        T? row, Func<Task<T?>> read, Func<T?, T?> decide, Func<T?, T, Task<T?>> write)
        where T : class
    {
        for (var attempt = 1; ; attempt++)
        {
            if (decide(row) is not { } next)
            {
                return (LedgerUpdateStatus.Unchanged, row);
            }

            if (await write(row, next).ConfigureAwait(false) is { } written)
            {
                return (LedgerUpdateStatus.Updated, written);
            }

            row = await read().ConfigureAwait(false);
            if (attempt == MaxUpdateAttempts)
            {
                return (LedgerUpdateStatus.Contended, row);
            }
        }
    }

    private async Task<TableEntity?> ReadEntityAsync(string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? response.Value : null;
    }

    private async Task<TableEntity?> TryAddAsync(TableEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            return entity;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return null;
        }
    }

    private async Task<TableEntity?> TryUpdateAsync(TableEntity entity, ETag ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            await _table.UpdateEntityAsync(entity, ifMatch, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return entity;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return null;
        }
    }

    /// <summary>
    /// The outbox row of the event this write makes, written before the job row (none when nobody hears
    /// of it). A crash between the job's write and queueing its deliveries leaves it for the sweep.
    /// </summary>
    private async Task<IndexEntry?> WriteOutboxAsync(DispatchJob job, string? type, CancellationToken cancellationToken)
    {
        if (type is null || _events is null || !_events.Recipients(job, type).Any())
        {
            return null;
        }

        var outbox = IndexKeys.Outbox(job);
        await _index.WriteOutboxAsync(outbox, job, type, cancellationToken).ConfigureAwait(false);
        return outbox;
    }

    /// <summary>Queues the event's deliveries, and clears its outbox row once they all are.</summary>
    private async Task AnnounceAsync(DispatchJob written, string? type, IndexEntry? outbox)
    {
        if (type is not null && _events is not null && await _events.PublishAsync(written, type).ConfigureAwait(false) && outbox is { } row)
        {
            await _index.DeleteAsync([row], written.Id).ConfigureAwait(false);
        }
    }

    private Task EnsureTableAsync(CancellationToken cancellationToken) => _created.EnsureAsync(cancellationToken);
}
