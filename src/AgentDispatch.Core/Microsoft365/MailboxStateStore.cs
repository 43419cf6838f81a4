using Azure;
using Azure.Data.Tables;
using AgentDispatch.Storage;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Microsoft365;

/// <summary>
/// What the app knows of one mailbox: its Graph subscription, its delta link, and how its last sync
/// went. <see cref="DeltaLink"/> is a sync position, not a credential (reading it back still takes the
/// app's token), but it is never shown: it names the mailbox's calendar and its window.
/// </summary>
public sealed record MailboxState
{
    public required string Name { get; init; }

    /// <summary>The mailbox (UPN or id) the subscription was made for; a changed setting subscribes again.</summary>
    public string? SubscribedMailbox { get; init; }

    /// <summary>The mailbox (UPN or id) the delta link was made for; a changed setting syncs in full.</summary>
    public string? SyncedMailbox { get; init; }

    /// <summary>Until when Graph asked the app to wait (Retry-After): no request for this mailbox before.</summary>
    public DateTimeOffset? ThrottledUntil { get; init; }

    public string? SubscriptionId { get; init; }

    public DateTimeOffset? SubscriptionExpiresAt { get; init; }

    /// <summary>SHA-256 of the subscription's clientState (see <see cref="ClientStates"/>).</summary>
    public string? ClientStateHash { get; init; }

    /// <summary>Why the mailbox has no subscription, when it has none.</summary>
    public string? SubscriptionError { get; init; }

    public string? DeltaLink { get; init; }

    /// <summary>The end of the calendar-view window the delta link follows; past half of it, a full sync takes a new window.</summary>
    public DateTimeOffset? WindowEnd { get; init; }

    /// <summary>When the last sync began: a notification older than it was already covered by that sync.</summary>
    public DateTimeOffset? LastSyncStartedAt { get; init; }

    /// <summary>When a sync last succeeded.</summary>
    public DateTimeOffset? LastSyncAt { get; init; }

    /// <summary>When the next sync is due even without a notification (or, after a throttle, the earliest Graph allows).</summary>
    public DateTimeOffset? NextSyncAt { get; init; }

    /// <summary>What went wrong last, for an operator: never a token, a clientState or a delta link.</summary>
    public string? LastError { get; init; }

    public DateTimeOffset? LastErrorAt { get; init; }

    public ETag ETag { get; init; }
}

/// <summary>
/// The mailbox state table: a row per mailbox (partition <c>mailbox</c>) and a row per subscription
/// (partition <c>subscription</c>, keyed by Graph's subscription id) so that a notification finds its
/// mailbox and clientState hash with one point read.
/// </summary>
public sealed class MailboxStateStore
{
    private const string MailboxPartition = "mailbox";
    private const string SubscriptionPartition = "subscription";
    private const int Attempts = 5;
    private readonly TableClient _table;
    private readonly CreateOnce _created;

    public MailboxStateStore(StorageClients storage, IOptions<Microsoft365Options> options)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(options);
        _table = storage.Tables.GetTableClient(options.Value.StateTable);
        _created = new CreateOnce(ct => _table.CreateIfNotExistsAsync(ct));
    }

    public async Task<MailboxState?> GetAsync(string name, CancellationToken cancellationToken)
    {
        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(MailboxPartition, Key(name), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? FromEntity(row.Value!) : null;
    }

    public async Task<IReadOnlyList<MailboxState>> ListAsync(CancellationToken cancellationToken)
    {
        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var states = new List<MailboxState>();
        await foreach (var row in _table.QueryAsync<TableEntity>(e => e.PartitionKey == MailboxPartition, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            states.Add(FromEntity(row));
        }

        return states;
    }

    /// <summary>
    /// The one way to change a mailbox's row: read it (or start from an empty one), apply
    /// <paramref name="change"/>, write it on its ETag; on a conflict, again from a fresh read.
    /// </summary>
    /// <param name="change">The row as it should be; null leaves it as it is.</param>
    /// <returns>The row as stored after the change (or as read, when nothing changed).</returns>
    public async Task<MailboxState> UpdateAsync(string name, Func<MailboxState, MailboxState?> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        for (var attempt = 1; ; attempt++)
        {
            var current = await GetAsync(name, cancellationToken).ConfigureAwait(false);
            var next = change(current ?? new MailboxState { Name = name });
            if (next is null)
            {
                return current ?? new MailboxState { Name = name };
            }

            try
            {
                var entity = ToEntity(next with { Name = name });
                Response response = current is null
                    ? await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false)
                    : await _table.UpdateEntityAsync(entity, current.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return next with { Name = name, ETag = response.Headers.ETag ?? default };
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < Attempts)
            {
                // Another instance changed the row since it was read: decide again on what it wrote.
            }
        }
    }

    /// <summary>The mailbox and clientState hash of a subscription, or null for one the app does not know.</summary>
    public async Task<(string Mailbox, string ClientStateHash)?> FindSubscriptionAsync(string subscriptionId, CancellationToken cancellationToken)
    {
        if (!IsKeySafe(subscriptionId))
        {
            return null;
        }

        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(SubscriptionPartition, subscriptionId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue && row.Value!.GetString("Mailbox") is { } mailbox && row.Value.GetString("ClientStateHash") is { } hash ? (mailbox, hash) : null;
    }

    public async Task PutSubscriptionAsync(string subscriptionId, string mailboxName, string clientStateHash, CancellationToken cancellationToken)
    {
        if (!IsKeySafe(subscriptionId))
        {
            throw new ArgumentException("Graph returned a subscription id the state table cannot key.", nameof(subscriptionId));
        }

        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(SubscriptionPartition, subscriptionId) { ["Mailbox"] = mailboxName, ["ClientStateHash"] = clientStateHash };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteSubscriptionAsync(string subscriptionId, CancellationToken cancellationToken)
    {
        if (IsKeySafe(subscriptionId))
        {
            await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
            await _table.DeleteEntityAsync(SubscriptionPartition, subscriptionId, ETag.All, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Graph's subscription ids are GUIDs; anything else from a notification is never used as a key.</summary>
    internal static bool IsKeySafe(string? id) => id is { Length: > 0 and <= 128 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private static string Key(string name) => name.ToLowerInvariant();

    private static TableEntity ToEntity(MailboxState s) => new(MailboxPartition, Key(s.Name))
    {
        ["Name"] = s.Name,
        ["SubscribedMailbox"] = s.SubscribedMailbox,
        ["SyncedMailbox"] = s.SyncedMailbox,
        ["ThrottledUntil"] = s.ThrottledUntil,
        ["SubscriptionId"] = s.SubscriptionId,
        ["SubscriptionExpiresAt"] = s.SubscriptionExpiresAt,
        ["ClientStateHash"] = s.ClientStateHash,
        ["SubscriptionError"] = s.SubscriptionError,
        ["DeltaLink"] = s.DeltaLink,
        ["WindowEnd"] = s.WindowEnd,
        ["LastSyncStartedAt"] = s.LastSyncStartedAt,
        ["LastSyncAt"] = s.LastSyncAt,
        ["NextSyncAt"] = s.NextSyncAt,
        ["LastError"] = s.LastError,
        ["LastErrorAt"] = s.LastErrorAt,
    };

    private static MailboxState FromEntity(TableEntity e) => new()
    {
        Name = e.GetString("Name") ?? e.RowKey,
        SubscribedMailbox = e.GetString("SubscribedMailbox"),
        SyncedMailbox = e.GetString("SyncedMailbox"),
        ThrottledUntil = e.GetDateTimeOffset("ThrottledUntil"),
        SubscriptionId = e.GetString("SubscriptionId"),
        SubscriptionExpiresAt = e.GetDateTimeOffset("SubscriptionExpiresAt"),
        ClientStateHash = e.GetString("ClientStateHash"),
        SubscriptionError = e.GetString("SubscriptionError"),
        DeltaLink = e.GetString("DeltaLink"),
        WindowEnd = e.GetDateTimeOffset("WindowEnd"),
        LastSyncStartedAt = e.GetDateTimeOffset("LastSyncStartedAt"),
        LastSyncAt = e.GetDateTimeOffset("LastSyncAt"),
        NextSyncAt = e.GetDateTimeOffset("NextSyncAt"),
        LastError = e.GetString("LastError"),
        LastErrorAt = e.GetDateTimeOffset("LastErrorAt"),
        ETag = e.ETag,
    };
}
