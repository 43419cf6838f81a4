using AgentDispatch.Storage;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace AgentDispatch.Jobs;

/// <summary>An index row as read: where it is, the job it points at, and the row's own version and age.</summary>
public readonly record struct IndexHint(IndexEntry Entry, string JobId, ETag ETag, DateTimeOffset? WrittenAt);

/// <summary>A page of index rows and the table's cursor for the next one.</summary>
public sealed record IndexPage(IReadOnlyList<IndexHint> Hints, string? Next);

/// <summary>
/// The ledger's two index tables (see <see cref="IndexKeys"/>). An index row is a hint, never the truth:
/// whoever reads one reads its job and trusts the job. Rows are written before the job row that wants
/// them and deleted after the job row that gave them up, so a crash anywhere leaves a row too many (met
/// and cleaned later), never a job missing from its index.
/// </summary>
internal sealed class LedgerIndex
{
    public const string JobIdProperty = "JobId";

    /// <summary>The partition of the ledger's own bookkeeping rows in the timeline table.</summary>
    public const string CheckpointPartition = "ledger";

    // A query that selects columns gets only those: the keys and the time stamp must be asked for too.
    private static readonly string[] HintColumns = ["PartitionKey", "RowKey", "Timestamp", JobIdProperty];

    private readonly TableClient _timeline;
    private readonly TableClient _lookup;
    private readonly CreateOnce _timelineCreated;
    private readonly CreateOnce _lookupCreated;
    private readonly TimeSpan _grace;
    private readonly ILogger _logger;

    public LedgerIndex(TableServiceClient tables, JobsOptions options, ILogger logger)
    {
        _timeline = tables.GetTableClient(options.TimelineTableName);
        _lookup = tables.GetTableClient(options.IndexTableName);
        _timelineCreated = new CreateOnce(ct => _timeline.CreateIfNotExistsAsync(ct));
        _lookupCreated = new CreateOnce(ct => _lookup.CreateIfNotExistsAsync(ct));
        _grace = options.IndexGrace;
        _logger = logger;
    }

    /// <summary>How long a row no job wants is left alone: it may belong to a write still on its way.</summary>
    public TimeSpan Grace => _grace;

    /// <summary>A time stamp for <see cref="RewriteIfSlowAsync"/>.</summary>
    public static long Started() => System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>
    /// Writes the rows again when the job's write came so long after them that a cleaner may have taken
    /// them for leftovers (half the grace): the job now wants them, so they are back for good.
    /// </summary>
    public Task RewriteIfSlowAsync(long started, IReadOnlyList<IndexEntry> entries, string jobId, CancellationToken cancellationToken)
        => entries.Count > 0 && System.Diagnostics.Stopwatch.GetElapsedTime(started) >= _grace / 2
            ? WriteAsync(entries, jobId, cancellationToken)
            : Task.CompletedTask;

    public Task EnsureTablesAsync(CancellationToken cancellationToken)
        => Task.WhenAll(_timelineCreated.EnsureAsync(cancellationToken), _lookupCreated.EnsureAsync(cancellationToken));

    /// <summary>Writes the rows (again, harmlessly, if they are there); each names <paramref name="jobId"/>.</summary>
    public async Task WriteAsync(IEnumerable<IndexEntry> entries, string jobId, CancellationToken cancellationToken)
    {
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(entries.Select(e => Table(e.Table).UpsertEntityAsync(Row(e, jobId), TableUpdateMode.Replace, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes rows a job no longer wants (or never came to want). Best effort: a row left behind is a
    /// hint to nothing, cleaned when met, so a failure here is logged and does not undo the job's write.
    /// </summary>
    public async Task DeleteAsync(IEnumerable<IndexEntry> entries, string jobId)
    {
        try
        {
            await Task.WhenAll(entries.Select(e => DeleteRowAsync(e, ETag.All, CancellationToken.None))).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RequestFailedException or AggregateException or OperationCanceledException or HttpRequestException)
        {
            Log.IndexCleanupFailed(_logger, jobId, ex);
        }
    }

    /// <summary>Writes rows of many jobs, a batch transaction per partition (up to 100 rows each).</summary>
    public async Task ImportAsync(IEnumerable<(IndexEntry Entry, string JobId)> rows, int parallelism, CancellationToken cancellationToken)
    {
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var batches = rows
            .GroupBy(r => (r.Entry.Table, r.Entry.PartitionKey))
            .SelectMany(g => g.Chunk(100).Select(chunk => (Table: g.Key.Table, Rows: chunk)));
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (batch, ct) =>
            await Table(batch.Table).SubmitTransactionAsync(
                batch.Rows.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, Row(r.Entry, r.JobId))), ct).ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>Every row <paramref name="filter"/> matches, page after page.</summary>
    public async IAsyncEnumerable<IndexHint> QueryAsync(IndexTable table, string filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var row in Table(table).QueryAsync<TableEntity>(filter, 1000, HintColumns, cancellationToken).ConfigureAwait(false))
        {
            if (Hint(table, row) is { } hint)
            {
                yield return hint;
            }
        }
    }

    /// <summary>One page of the rows <paramref name="filter"/> matches, from <paramref name="token"/> (a table continuation token).</summary>
    public async Task<IndexPage> PageAsync(IndexTable table, string filter, int pageSize, string? token, CancellationToken cancellationToken)
    {
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var page in Table(table).QueryAsync<TableEntity>(filter, pageSize, HintColumns, cancellationToken).AsPages(token, pageSize).ConfigureAwait(false))
        {
            return new IndexPage(page.Values.Select(r => Hint(table, r)).OfType<IndexHint>().ToList(), page.ContinuationToken);
        }

        return new IndexPage([], null);
    }

    /// <summary>
    /// Deletes a row found to point at a job that does not want it, unless it is younger than
    /// <see cref="Grace"/> (its job's write may not have landed yet) or it changed since it was read.
    /// </summary>
    public async Task<bool> ForgetAsync(IndexHint hint, CancellationToken cancellationToken)
    {
        // The row's age is the table's own clock against this machine's: a few seconds of skew against a
        // grace of minutes. A test's fake clock must not age rows, so this is the real one on purpose.
        if (hint.WrittenAt is not { } written || DateTimeOffset.UtcNow - written < _grace)
        {
            return false;
        }

        return await DeleteRowAsync(hint.Entry, hint.ETag, cancellationToken).ConfigureAwait(false);
    }

    public async Task<TableEntity?> ReadCheckpointAsync(string name, CancellationToken cancellationToken)
    {
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var row = await _timeline.GetEntityIfExistsAsync<TableEntity>(CheckpointPartition, name, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>Writes a checkpoint if it is still as read (<paramref name="read"/> null: if there is none); false when another writer got there first.</summary>
    public async Task<bool> WriteCheckpointAsync(TableEntity checkpoint, TableEntity? read, CancellationToken cancellationToken)
    {
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        checkpoint.PartitionKey = CheckpointPartition;
        try
        {
            if (read is null)
            {
                await _timeline.AddEntityAsync(checkpoint, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _timeline.UpdateEntityAsync(checkpoint, read.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412 or 404)
        {
            return false;
        }
    }

    private static IndexHint? Hint(IndexTable table, TableEntity row)
    {
        var jobId = row.GetString(JobIdProperty);
        return jobId is null ? null : new IndexHint(new IndexEntry(table, row.PartitionKey, row.RowKey), jobId, row.ETag, row.Timestamp);
    }

    private async Task<bool> DeleteRowAsync(IndexEntry entry, ETag ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            // A row already gone is answered 404 without an exception.
            using var response = await Table(entry.Table).DeleteEntityAsync(entry.PartitionKey, entry.RowKey, ifMatch, cancellationToken).ConfigureAwait(false);
            return response.Status != 404;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    private static TableEntity Row(IndexEntry entry, string jobId) => new(entry.PartitionKey, entry.RowKey) { [JobIdProperty] = jobId };

    private TableClient Table(IndexTable table) => table == IndexTable.Timeline ? _timeline : _lookup;
}
