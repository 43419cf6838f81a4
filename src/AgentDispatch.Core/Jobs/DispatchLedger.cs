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

    private readonly TableClient _table;
    private readonly CreateOnce _created;
    private readonly ILogger<DispatchLedger> _logger;
    private readonly JobEventPublisher? _events;

    /// <param name="events">Where status events go; null only for a reader that never writes (a test's audit).</param>
    public DispatchLedger(StorageClients storage, IOptions<JobsOptions> options, ILogger<DispatchLedger> logger, JobEventPublisher? events = null)
    {
        _logger = logger;
        _events = events;
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(options);
        _table = storage.Tables.GetTableClient(options.Value.LedgerTable);
        // Locally (Azurite in memory) the table starts missing; in Azure the deployment creates it.
        _created = new CreateOnce(ct => _table.CreateIfNotExistsAsync(ct));
    }

    /// <summary>
    /// Inserts <paramref name="job"/> unless a row with its id exists; then returns that row instead. A
    /// new job is its first status event.
    /// </summary>
    public async Task<(DispatchJob Job, bool Inserted)> InsertOrGetAsync(DispatchJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        using var activity = AgentDispatchActivities.Start(AgentDispatchActivities.Names.LedgerInsert)?.SetTag(AgentDispatchActivities.JobIdTag, job.Id);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var type = JobEventTypes.Change(job);
        job = type is null ? job : JobEventTypes.Announce(job);
        try
        {
            var response = await _table.AddEntityAsync(DispatchJobEntity.From(job), cancellationToken).ConfigureAwait(false);
            activity?.SetTag("agentdispatch.ledger.inserted", true);
            var inserted = job with { ETag = response.Headers.ETag?.ToString() };
            await AnnounceAsync(inserted, type).ConfigureAwait(false);
            return (inserted, true);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            activity?.SetTag("agentdispatch.ledger.inserted", false);
            var existing = await GetAsync(job.Id, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Job {job.Id} conflicted on insert but could not be read.", ex);
            return (existing, false);
        }
    }

    public async Task<DispatchJob?> GetAsync(string id, CancellationToken cancellationToken)
    {
        using var activity = AgentDispatchActivities.Start(AgentDispatchActivities.Names.LedgerRead)?.SetTag(AgentDispatchActivities.JobIdTag, id);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var response = await _table.GetEntityIfExistsAsync<DispatchJobEntity>(id, DispatchJobEntity.JobRowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? response.Value!.ToJob() : null;
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
        try
        {
            var entity = DispatchJobEntity.From(job);
            var response = await _table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            var written = job with { ETag = response.Headers.ETag?.ToString() };
            await AnnounceAsync(written, type).ConfigureAwait(false);
            return written;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            // Lost the race for the row: not an error, the caller reads again and decides again.
            activity?.SetTag("agentdispatch.ledger.conflict", true);
            return null;
        }
    }

    /// <summary>
    /// Jobs in <paramref name="state"/> and/or of <paramref name="meetingId"/>, a page at a time; null when
    /// the table refuses <paramref name="cursor"/> (one this API did not give out).
    /// </summary>
    public async Task<JobPage?> ListAsync(string? meetingId, JobState? state, int pageSize, string? cursor, CancellationToken cancellationToken)
    {
        using var activity = AgentDispatchActivities.Start(AgentDispatchActivities.Names.LedgerList);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var filters = new List<string> { TableClient.CreateQueryFilter($"RowKey eq {DispatchJobEntity.JobRowKey}") };
        if (meetingId is not null)
        {
            filters.Add(TableClient.CreateQueryFilter($"MeetingId eq {meetingId}"));
        }

        if (state is { } s)
        {
            filters.Add(TableClient.CreateQueryFilter($"State eq {s.ToString()}"));
        }

        var pages = _table.QueryAsync<DispatchJobEntity>(string.Join(" and ", filters), pageSize, cancellationToken: cancellationToken)
            .AsPages(TableCursors.Decode(cursor), pageSize);
        try
        {
            await foreach (var page in pages.ConfigureAwait(false))
            {
                return new JobPage(page.Values.Select(e => e.ToJob()).ToList(), TableCursors.Encode(page.ContinuationToken));
            }
        }
        catch (Exception ex) when (cursor is not null && (ex is RequestFailedException { Status: 400 } or FormatException or ArgumentException))
        {
            return null;
        }

        return new JobPage([], null);
    }

    /// <summary>
    /// Records that <paramref name="aliasKey"/> now names the job <paramref name="jobId"/> (a meeting that
    /// moved to a new identity). An alias row shares the id space of jobs but has its own row key, so
    /// listings never show it.
    /// </summary>
    public async Task AddAliasAsync(string aliasKey, string jobId, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _table.AddEntityAsync(new TableEntity(JobIds.ForKey(aliasKey), AliasRowKey) { [AliasTarget] = jobId }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Already recorded by an earlier delivery of the same change.
        }
    }

    /// <summary>
    /// Remembers that the source cancelled <paramref name="key"/> at <paramref name="at"/> before any job
    /// existed for it (deliveries out of order), so a create that is older is recognised as stale.
    /// </summary>
    public async Task AddTombstoneAsync(string key, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var partitionKey = JobIds.ForKey(key);
        Task<TableEntity?> ReadAsync() => ReadEntityAsync(partitionKey, TombstoneRowKey, cancellationToken);

        // One may be there already: keep the later of the two.
        await ChangeRowAsync(
            await ReadAsync().ConfigureAwait(false),
            ReadAsync,
            held => held?.GetDateTimeOffset(TombstoneAt) >= at ? null : new TableEntity(partitionKey, TombstoneRowKey) { [TombstoneAt] = at },
            (held, next) => held is null ? TryAddAsync(next, cancellationToken) : TryUpdateAsync(next, held.ETag, cancellationToken)).ConfigureAwait(false);
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

    /// <summary>Scheduled jobs of one origin (a calendar feed), for reconciling the source against the ledger.</summary>
    public IAsyncEnumerable<DispatchJob> ScheduledOfOriginAsync(string origin, CancellationToken cancellationToken)
        => QueryAsync(TableClient.CreateQueryFilter($"State eq {nameof(JobState.Scheduled)} and Origin eq {origin}"), cancellationToken);

    /// <summary>Scheduled jobs due at or before <paramref name="dueBy"/>, for the sweep.</summary>
    public IAsyncEnumerable<DispatchJob> ScheduledDueByAsync(DateTimeOffset dueBy, CancellationToken cancellationToken)
        => QueryAsync(TableClient.CreateQueryFilter($"State eq {nameof(JobState.Scheduled)} and DueAt le {dueBy}"), cancellationToken);

    /// <summary>Jobs claimed for dispatch whose claim has run out (the instance that claimed them is gone).</summary>
    public IAsyncEnumerable<DispatchJob> AbandonedAsync(DateTimeOffset now, CancellationToken cancellationToken)
        => QueryAsync(TableClient.CreateQueryFilter($"State eq {nameof(JobState.Dispatching)} and LeaseUntil lt {now}"), cancellationToken);

    /// <summary>Jobs confirming an assigned answer whose looks in the room should have ended before <paramref name="before"/>.</summary>
    public IAsyncEnumerable<DispatchJob> ConfirmingPastAsync(DateTimeOffset before, CancellationToken cancellationToken)
        => QueryAsync(TableClient.CreateQueryFilter($"State eq {nameof(JobState.Assigned)} and ConfirmBy lt {before}"), cancellationToken);

    /// <summary>See <see cref="TableCursors"/>.</summary>
    public static bool IsWellFormedCursor(string? cursor) => TableCursors.IsWellFormed(cursor);

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

    private Task AnnounceAsync(DispatchJob written, string? type) => type is null || _events is null ? Task.CompletedTask : _events.PublishAsync(written, type);

    private Task EnsureTableAsync(CancellationToken cancellationToken) => _created.EnsureAsync(cancellationToken);
}
