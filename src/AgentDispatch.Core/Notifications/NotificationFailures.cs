using System.Text;
using AgentDispatch.Storage;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Notifications;

/// <summary>A delivery that gave up, as the API lists it: never its body's secrets, nor a callback URL.</summary>
public sealed record FailedNotification(
    string Id,
    string EventId,
    string JobId,
    string Type,
    int Sequence,
    string To,
    int Attempts,
    DateTimeOffset FirstAttemptAt,
    DateTimeOffset FailedAt,
    int? LastStatus,
    string Reason);

public sealed record FailedNotificationPage(IReadOnlyList<FailedNotification> Items, string? Next);

/// <summary>
/// The dead-letter table: one row per delivery that gave up (retried for <c>Notifications:RetryFor</c>,
/// answered <c>410</c>, or refused by the URL rules), keeping the queued message so it can be sent again
/// exactly as it was, with the same <c>webhook-id</c>.
/// </summary>
public sealed class NotificationFailures : INotificationBacklog
{
    public const int CountLimit = 1000;
    private const string Partition = "failed";

    private readonly TableClient _table;
    private readonly CreateOnce _created;
    private readonly JobEventPublisher _publisher;

    public NotificationFailures(StorageClients storage, IOptions<NotificationsOptions> options, JobEventPublisher publisher)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(options);
        _table = storage.Tables.GetTableClient(options.Value.FailedTable);
        _created = new CreateOnce(ct => _table.CreateIfNotExistsAsync(ct));
        _publisher = publisher;
    }

    /// <summary>Keeps <paramref name="message"/> as given up; a second give-up of the same delivery replaces the first.</summary>
    public async Task AddAsync(NotificationMessage message, DateTimeOffset failedAt, int? lastStatus, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(Partition, message.DeliveryId)
        {
            ["Message"] = message.Write(),
            ["EventId"] = message.EventId,
            ["JobId"] = message.JobId,
            ["Type"] = message.Type,
            ["Sequence"] = message.Sequence,
            ["To"] = message.To,
            ["Attempts"] = message.Attempt + 1,
            ["FirstAttemptAt"] = message.FirstAttemptAt,
            ["FailedAt"] = failedAt,
            ["LastStatus"] = lastStatus,
            ["Reason"] = reason.Length > 512 ? reason[..512] : reason,
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A page of failed deliveries, oldest id first; null when the cursor is not one this API gave out.</summary>
    public async Task<FailedNotificationPage?> ListAsync(int pageSize, string? cursor, CancellationToken cancellationToken)
    {
        var token = TableCursors.Decode(cursor);
        if (cursor is not null && token is null)
        {
            return null;
        }

        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var pages = _table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, pageSize, cancellationToken: cancellationToken).AsPages(token, pageSize);
            await foreach (var page in pages.ConfigureAwait(false))
            {
                return new FailedNotificationPage(page.Values.Select(View).ToList(), TableCursors.Encode(page.ContinuationToken));
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 400)
        {
            return null;
        }

        return new FailedNotificationPage([], null);
    }

    /// <summary>
    /// Sends a failed delivery again, from its first attempt: queued first, then removed here, so a crash
    /// in between leaves it listed (and a second retry only repeats the same <c>webhook-id</c>).
    /// </summary>
    /// <returns>The delivery as queued again, or null when no failed delivery has this id.</returns>
    public async Task<NotificationMessage?> RetryAsync(string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!IsWellFormedId(id))
        {
            return null;
        }

        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(Partition, id, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!row.HasValue || NotificationMessage.Read(Encoding.UTF8.GetBytes(row.Value!.GetString("Message") ?? "")) is not { } message)
        {
            return null;
        }

        var again = message with { Attempt = 0, FirstAttemptAt = now };
        await _publisher.SendAsync(again, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        try
        {
            await _table.DeleteEntityAsync(Partition, id, row.Value.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Retried twice at once, or failed again meanwhile: the newer row stays.
        }

        return again;
    }

    public async Task<NotificationBacklog> ReadAsync(CancellationToken cancellationToken)
    {
        var queued = await _publisher.QueuedAsync(cancellationToken).ConfigureAwait(false);
        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var failed = 0;
        await foreach (var _ in _table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, 1000, ["RowKey"], cancellationToken).ConfigureAwait(false))
        {
            if (++failed >= CountLimit)
            {
                break;
            }
        }

        return new NotificationBacklog(queued, failed, CountLimit);
    }

    /// <summary>Ids are <c>evt_&lt;job&gt;_&lt;created&gt;_&lt;sequence&gt;.&lt;subscriber&gt;</c>; anything else is answered 404 without a lookup.</summary>
    public static bool IsWellFormedId(string? id)
        => id is { Length: > 4 and <= 160 } && id.StartsWith("evt_", StringComparison.Ordinal) && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public static bool IsWellFormedCursor(string? cursor) => TableCursors.IsWellFormed(cursor);

    private static FailedNotification View(TableEntity row) => new(
        row.RowKey,
        row.GetString("EventId") ?? "",
        row.GetString("JobId") ?? "",
        row.GetString("Type") ?? "",
        row.GetInt32("Sequence") ?? 0,
        row.GetString("To") ?? "",
        row.GetInt32("Attempts") ?? 0,
        row.GetDateTimeOffset("FirstAttemptAt") ?? default,
        row.GetDateTimeOffset("FailedAt") ?? default,
        row.GetInt32("LastStatus"),
        row.GetString("Reason") ?? "");
}
