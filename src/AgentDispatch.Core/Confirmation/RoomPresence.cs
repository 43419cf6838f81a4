using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using AgentDispatch.Jobs;
using AgentDispatch.Storage;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Confirmation;

/// <summary>A participant VideoSDK's webhooks said joined a room, and left it if they said so.</summary>
public sealed record RoomSighting(string MeetingId, string ParticipantId, string? Name, string? SessionId, DateTimeOffset JoinedAt, DateTimeOffset? LeftAt);

/// <summary>
/// What VideoSDK's webhooks said about who is in a room, kept in the ledger table: one partition per
/// room (a hash of its id, in the job id space under a <c>room:</c> key no job key can have), one row
/// per participant. A webhook can arrive before the dispatch answer is recorded; the job's own look in
/// the room reads these rows, so the delivery is not lost on it. Writes are idempotent: the same
/// delivery twice leaves the same row.
/// </summary>
public sealed class RoomPresence
{
    private const string RowPrefix = "seen:";

    private readonly TableClient _table;
    private readonly CreateOnce _created;

    public RoomPresence(StorageClients storage, IOptions<JobsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(options);
        _table = storage.Tables.GetTableClient(options.Value.LedgerTable);
        _created = new CreateOnce(ct => _table.CreateIfNotExistsAsync(ct));
    }

    /// <summary>Records a join; a join already recorded keeps its first time, and a later join after a leave reopens the row.</summary>
    public async Task JoinedAsync(RoomSighting sighting, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sighting);
        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var existing = await ReadAsync(sighting.MeetingId, sighting.ParticipantId, cancellationToken).ConfigureAwait(false);
        if (existing is { LeftAt: null } || (existing?.LeftAt is { } left && left >= sighting.JoinedAt))
        {
            return;
        }

        await _table.UpsertEntityAsync(ToEntity(sighting), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records a leave (of one participant, or with <paramref name="participantId"/> null of everyone in <paramref name="sessionId"/>).</summary>
    public async Task LeftAsync(string meetingId, string? participantId, string? sessionId, DateTimeOffset leftAt, CancellationToken cancellationToken)
    {
        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var sighting in InRoomAsync(meetingId, cancellationToken).ConfigureAwait(false))
        {
            var leaving = participantId is null ? sessionId is not null && sighting.SessionId == sessionId : sighting.ParticipantId == participantId;
            if (leaving && sighting.LeftAt is null && leftAt >= sighting.JoinedAt)
            {
                await _table.UpsertEntityAsync(ToEntity(sighting with { LeftAt = leftAt }), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Everyone the webhooks have reported in the room, in or gone.</summary>
    public async IAsyncEnumerable<RoomSighting> InRoomAsync(string meetingId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition(meetingId)} and RowKey ge {RowPrefix} and RowKey lt {"seen;"}");
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, 100, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (FromEntity(meetingId, entity) is { } sighting)
            {
                yield return sighting;
            }
        }
    }

    private async Task<RoomSighting?> ReadAsync(string meetingId, string participantId, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(Partition(meetingId), Row(participantId), cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? FromEntity(meetingId, response.Value!) : null;
    }

    private static string Partition(string meetingId) => JobIds.ForKey("room:" + meetingId);

    // Participant ids are VideoSDK's or the client's choice; a hash keeps characters a row key refuses out.
    private static string Row(string participantId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(participantId), hash);
        return RowPrefix + Base64Url.EncodeToString(hash[..16]);
    }

    private static TableEntity ToEntity(RoomSighting s) => new(Partition(s.MeetingId), Row(s.ParticipantId))
    {
        ["ParticipantId"] = s.ParticipantId,
        ["Name"] = s.Name,
        ["SessionId"] = s.SessionId,
        ["JoinedAt"] = s.JoinedAt,
        ["LeftAt"] = s.LeftAt,
    };

    private static RoomSighting? FromEntity(string meetingId, TableEntity e)
        => e.GetString("ParticipantId") is { } id && e.GetDateTimeOffset("JoinedAt") is { } joined
            ? new RoomSighting(meetingId, id, e.GetString("Name"), e.GetString("SessionId"), joined, e.GetDateTimeOffset("LeftAt"))
            : null;
}
