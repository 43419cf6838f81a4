using System.Text.Json;
using System.Text.Json.Nodes;
using AgentDispatch.Jobs;
using AgentDispatch.Storage;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Sources;

/// <summary>The kinds of source the API manages.</summary>
public enum SourceKind
{
    Calendar,
    Schedule,
    Rule,
}

/// <summary>
/// One source as stored: its fields as the API takes them (<see cref="Spec"/>, camelCase, never the feed
/// URL), the feed URL encrypted (<see cref="ProtectedUrl"/>), and the row's ETag.
/// </summary>
/// <param name="UrlShown">The feed URL masked (<see cref="FeedUrlMask"/>), kept in the clear so reading a calendar never needs the data key.</param>
public sealed record StoredSource(SourceKind Kind, string Name, JsonObject Spec, string? ProtectedUrl, string? UrlShown, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string ETag = "");

/// <summary>What the poller last saw of a calendar; written apart from the calendar's row, so a poll never changes the ETag a PATCH is made against.</summary>
public sealed record CalendarSync(DateTimeOffset? LastAttemptAt, DateTimeOffset? LastSyncAt, string? LastError, DateTimeOffset? NextSyncAt);

public enum StoreWrite
{
    Done,
    NotFound,
    Exists,
    ETagMismatch,
}

/// <summary>
/// The table of runtime sources (<c>Sources:Table</c>): one partition per kind, one row per source keyed
/// by its name in lower case (names are unique ignoring case), the calendars' sync state in a partition of
/// its own, and one generation row whose ETag changes with every write, so readers know when to read again.
/// </summary>
public sealed class SourceStore
{
    private const string SyncPartition = "calendar-sync";
    private const string MetaPartition = "meta";
    private const string GenerationRow = "generation";

    private readonly TableClient _table;
    private readonly CreateOnce _created;
    private readonly TimeProvider _time;

    public SourceStore(StorageClients storage, IOptions<SourcesOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(options);
        _table = storage.Tables.GetTableClient(options.Value.Table);
        _created = new CreateOnce(ct => _table.CreateIfNotExistsAsync(ct));
        _time = time;
    }

    public static string Partition(SourceKind kind) => kind.ToString().ToLowerInvariant();

    public static string RowKey(string name) => name.ToLowerInvariant();

    public async Task<IReadOnlyList<StoredSource>> ListAsync(SourceKind kind, CancellationToken cancellationToken)
    {
        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var partition = Partition(kind);
        var sources = new List<StoredSource>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            sources.Add(Read(kind, entity));
        }

        return [.. sources.OrderBy(s => s.CreatedAt).ThenBy(s => s.Name, StringComparer.OrdinalIgnoreCase)];
    }

    public async Task<StoredSource?> GetAsync(SourceKind kind, string name, CancellationToken cancellationToken)
    {
        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(Partition(kind), RowKey(name), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? Read(kind, row.Value!) : null;
    }

    /// <returns>The source as stored, with its ETag; <see cref="StoreWrite.Exists"/> when the name is taken.</returns>
    public async Task<(StoreWrite Result, StoredSource? Source)> InsertAsync(StoredSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await _table.AddEntityAsync(Write(source), cancellationToken).ConfigureAwait(false);
            await BumpAsync(cancellationToken).ConfigureAwait(false);
            return (StoreWrite.Done, source with { ETag = response.Headers.ETag?.ToString() ?? "" });
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Perhaps this very insert, retried because its bump failed: bump, so no reader keeps missing it.
            await BumpAsync(cancellationToken).ConfigureAwait(false);
            return (StoreWrite.Exists, null);
        }
    }

    /// <summary>Replaces the source if its row still has <paramref name="ifMatch"/>.</summary>
    public async Task<(StoreWrite Result, StoredSource? Source)> ReplaceAsync(StoredSource source, string ifMatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await _table.UpdateEntityAsync(Write(source), new ETag(ifMatch), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            await BumpAsync(cancellationToken).ConfigureAwait(false);
            return (StoreWrite.Done, source with { ETag = response.Headers.ETag?.ToString() ?? "" });
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return (ex.Status == 404 ? StoreWrite.NotFound : StoreWrite.ETagMismatch, null);
        }
    }

    public async Task<StoreWrite> DeleteAsync(SourceKind kind, string name, string ifMatch, CancellationToken cancellationToken)
    {
        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _table.DeleteEntityAsync(Partition(kind), RowKey(name), new ETag(ifMatch), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            if (ex.Status == 404)
            {
                // Perhaps this very delete, retried because its bump failed: bump, so no reader keeps the source.
                await BumpAsync(cancellationToken).ConfigureAwait(false);
            }

            return ex.Status == 404 ? StoreWrite.NotFound : StoreWrite.ETagMismatch;
        }

        await BumpAsync(cancellationToken).ConfigureAwait(false);
        if (kind == SourceKind.Calendar)
        {
            try
            {
                await _table.DeleteEntityAsync(SyncPartition, RowKey(name), ETag.All, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // Never polled: nothing to forget.
            }
        }

        return StoreWrite.Done;
    }

    /// <summary>The ETag of the generation row, which every write changes; null before the first write.</summary>
    public async Task<string?> GenerationAsync(CancellationToken cancellationToken)
    {
        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(MetaPartition, GenerationRow, select: ["PartitionKey"], cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value!.ETag.ToString() : null;
    }

    public async Task RecordSyncAsync(string calendar, CalendarSync sync, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sync);
        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(SyncPartition, RowKey(calendar))
        {
            ["Name"] = calendar,
            ["LastAttemptAt"] = sync.LastAttemptAt,
            ["LastSyncAt"] = sync.LastSyncAt,
            ["LastError"] = sync.LastError is { Length: > 1024 } text ? text[..1024] : sync.LastError,
            ["NextSyncAt"] = sync.NextSyncAt,
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CalendarSync?> GetSyncAsync(string calendar, CancellationToken cancellationToken)
    {
        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(SyncPartition, RowKey(calendar), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? ReadSync(row.Value!) : null;
    }

    /// <summary>Every calendar's sync state, by name in lower case.</summary>
    public async Task<IReadOnlyDictionary<string, CalendarSync>> ListSyncAsync(CancellationToken cancellationToken)
    {
        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var all = new Dictionary<string, CalendarSync>(StringComparer.Ordinal);
        await foreach (var entity in _table.QueryAsync<TableEntity>(e => e.PartitionKey == SyncPartition, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            all[entity.RowKey] = ReadSync(entity);
        }

        return all;
    }

    private static CalendarSync ReadSync(TableEntity entity) => new(
        entity.GetDateTimeOffset("LastAttemptAt"), entity.GetDateTimeOffset("LastSyncAt"), entity.GetString("LastError"), entity.GetDateTimeOffset("NextSyncAt"));

    /// <summary>Changes the generation row, so every reader reads the sources again at its next use.</summary>
    public async Task BumpAsync(CancellationToken cancellationToken)
        => await _table.UpsertEntityAsync(
            new TableEntity(MetaPartition, GenerationRow) { ["At"] = Instants.Ms(_time.GetUtcNow()) }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);

    private static TableEntity Write(StoredSource source) => new(Partition(source.Kind), RowKey(source.Name))
    {
        ["Name"] = source.Name,
        ["Spec"] = source.Spec.ToJsonString(),
        ["ProtectedUrl"] = source.ProtectedUrl,
        ["UrlShown"] = source.UrlShown,
        ["CreatedAt"] = source.CreatedAt,
        ["UpdatedAt"] = source.UpdatedAt,
    };

    private static StoredSource Read(SourceKind kind, TableEntity entity)
    {
        var spec = JsonNode.Parse(entity.GetString("Spec") ?? "{}", documentOptions: new JsonDocumentOptions { MaxDepth = 64 }) as JsonObject ?? [];
        return new StoredSource(
            kind,
            entity.GetString("Name") ?? entity.RowKey,
            spec,
            entity.GetString("ProtectedUrl"),
            entity.GetString("UrlShown"),
            entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
            entity.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue,
            entity.ETag.ToString());
    }
}
