using System.Text.Json;
using AgentDispatch.Dispatch;
using Azure;
using Azure.Data.Tables;

namespace AgentDispatch.Jobs;

/// <summary>
/// The ledger row of one job. Partition key = job id (a hash), so jobs spread over partitions and a
/// job is one point read; row key = <c>job|</c> + the id, unique across the table, so a point read is
/// one lookup whichever key a store indexes first (an earlier version wrote <c>job</c>, the same in every
/// partition: see <see cref="LegacyRowKey"/>). Enums are stored as text so the table reads well in
/// Storage Explorer.
/// </summary>
public sealed class DispatchJobEntity : ITableEntity
{
    /// <summary>The row key every job row had before row keys named the job; such rows are moved by <see cref="DispatchLedger.MoveLegacyRowsAsync"/>.</summary>
    public const string LegacyRowKey = "job";

    private const string RowKeyPrefix = "job|";

    /// <summary>The filter that matches job rows, under either row key, and no other row of the ledger.</summary>
    public const string RowFilter = "(RowKey eq 'job' or (RowKey gt 'job|' and RowKey lt 'job}'))";

    public static string RowKeyFor(string jobId) => RowKeyPrefix + jobId;

    public static bool IsJobRow(string rowKey) => rowKey == LegacyRowKey || rowKey.StartsWith(RowKeyPrefix, StringComparison.Ordinal);

    /// <summary>VideoSDK's answer is kept up to this many characters (a table property holds 32K).</summary>
    public const int MaxUpstreamResponseChars = 8 * 1024;

    public string PartitionKey { get; set; } = "";

    public string RowKey { get; set; } = "";

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string IdempotencyKey { get; set; } = "";

    public string MeetingId { get; set; } = "";

    public string AgentId { get; set; } = "";

    public string? VersionId { get; set; }

    public string? Metadata { get; set; }

    public string Source { get; set; } = "";

    public string? CorrelationId { get; set; }

    public string? Origin { get; set; }

    public string? TraceParent { get; set; }

    public DateTimeOffset DispatchAt { get; set; }

    public DateTimeOffset NotAfter { get; set; }

    public string State { get; set; } = "";

    /// <summary>Next attempt or dispatch time: what the sweep queries.</summary>
    public DateTimeOffset DueAt { get; set; }

    public int Attempts { get; set; }

    public string? LastOutcome { get; set; }

    public string? LastMessage { get; set; }

    public int? LastUpstreamStatus { get; set; }

    public string? UpstreamResponse { get; set; }

    public DateTimeOffset? NextAttemptAt { get; set; }

    public DateTimeOffset? LeaseUntil { get; set; }

    public DateTimeOffset? WakeFor { get; set; }

    public int Generation { get; set; }

    public int LatestGeneration { get; set; }

    public DateTimeOffset? SourceUpdatedAt { get; set; }

    public string? LastDeliveryId { get; set; }

    public string? ReplacedBy { get; set; }

    public string? CancelReason { get; set; }

    public DateTimeOffset? FirstSentAt { get; set; }

    /// <summary>While confirming: when the app stops looking for the agent; what the sweep queries.</summary>
    public DateTimeOffset? ConfirmBy { get; set; }

    public int Redispatches { get; set; }

    public DateTimeOffset? JoinedAt { get; set; }

    public string? ParticipantId { get; set; }

    public string? SessionId { get; set; }

    public string? ConfirmedBy { get; set; }

    public DateTimeOffset? LeftAt { get; set; }

    public string? CallbackUrl { get; set; }

    public int Sequence { get; set; }

    public string? AnnouncedState { get; set; }

    public DateTimeOffset? AnnouncedDispatchAt { get; set; }

    /// <summary>The job's index rows, one per line (<see cref="IndexEntry"/>); null in a row an earlier version wrote.</summary>
    public string? Indexed { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public static DispatchJobEntity From(DispatchJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new DispatchJobEntity
        {
            PartitionKey = job.Id,
            RowKey = job.LegacyRow ? LegacyRowKey : RowKeyFor(job.Id),
            ETag = job.ETag is null ? default : new ETag(job.ETag),
            IdempotencyKey = job.IdempotencyKey,
            MeetingId = job.MeetingId,
            AgentId = job.AgentId,
            VersionId = job.VersionId,
            Metadata = job.Metadata?.GetRawText(),
            Source = job.Source,
            CorrelationId = job.CorrelationId,
            Origin = job.Origin,
            TraceParent = job.TraceParent,
            DispatchAt = job.DispatchAt,
            NotAfter = job.NotAfter,
            State = job.State.ToString(),
            DueAt = job.DueAt,
            Attempts = job.Attempts,
            LastOutcome = job.LastOutcome?.ToString(),
            LastMessage = Cap(job.LastMessage, 1024),
            LastUpstreamStatus = job.LastUpstreamStatus,
            UpstreamResponse = Cap(job.UpstreamResponse, MaxUpstreamResponseChars),
            NextAttemptAt = job.NextAttemptAt,
            LeaseUntil = job.LeaseUntil,
            WakeFor = job.WakeFor,
            Generation = job.Generation,
            LatestGeneration = job.LatestGeneration,
            SourceUpdatedAt = job.SourceUpdatedAt,
            LastDeliveryId = job.LastDeliveryId,
            ReplacedBy = job.ReplacedBy,
            CancelReason = job.CancelReason,
            FirstSentAt = job.FirstSentAt,
            ConfirmBy = job.ConfirmBy,
            Redispatches = job.Redispatches,
            JoinedAt = job.JoinedAt,
            ParticipantId = Cap(job.ParticipantId, 256),
            SessionId = Cap(job.SessionId, 256),
            ConfirmedBy = job.ConfirmedBy,
            LeftAt = job.LeftAt,
            CallbackUrl = job.CallbackUrl,
            Sequence = job.Sequence,
            AnnouncedState = job.AnnouncedState,
            AnnouncedDispatchAt = job.AnnouncedDispatchAt,
            Indexed = job.Indexed.Count == 0 ? null : IndexEntry.Join(job.Indexed),
            CreatedAt = job.CreatedAt,
            UpdatedAt = job.UpdatedAt,
        };
    }

    /// <summary>This row as it is, under the row key that names its job: what a move of a row an earlier version wrote adds.</summary>
    public DispatchJobEntity ToMoved()
    {
        var moved = (DispatchJobEntity)MemberwiseClone();
        moved.RowKey = RowKeyFor(PartitionKey);
        moved.ETag = default;
        moved.Timestamp = null;
        return moved;
    }

    public DispatchJob ToJob() => new()
    {
        Id = PartitionKey,
        LegacyRow = RowKey == LegacyRowKey,
        IdempotencyKey = IdempotencyKey,
        MeetingId = MeetingId,
        AgentId = AgentId,
        VersionId = VersionId,
        Metadata = Metadata is null ? null : JsonDocument.Parse(Metadata).RootElement.Clone(),
        Source = Source,
        CorrelationId = CorrelationId,
        Origin = Origin,
        TraceParent = TraceParent,
        DispatchAt = DispatchAt,
        NotAfter = NotAfter,
        State = Enum.Parse<JobState>(State),
        Attempts = Attempts,
        LastOutcome = LastOutcome is null ? null : Enum.Parse<DispatchOutcomeKind>(LastOutcome),
        LastMessage = LastMessage,
        LastUpstreamStatus = LastUpstreamStatus,
        UpstreamResponse = UpstreamResponse,
        NextAttemptAt = NextAttemptAt,
        LeaseUntil = LeaseUntil,
        WakeFor = WakeFor,
        Generation = Generation,
        LatestGeneration = LatestGeneration,
        SourceUpdatedAt = SourceUpdatedAt,
        LastDeliveryId = LastDeliveryId,
        ReplacedBy = ReplacedBy,
        CancelReason = CancelReason,
        FirstSentAt = FirstSentAt,
        ConfirmBy = ConfirmBy,
        Redispatches = Redispatches,
        JoinedAt = JoinedAt,
        ParticipantId = ParticipantId,
        SessionId = SessionId,
        ConfirmedBy = ConfirmedBy,
        LeftAt = LeftAt,
        CallbackUrl = CallbackUrl,
        Sequence = Sequence,
        AnnouncedState = AnnouncedState,
        AnnouncedDispatchAt = AnnouncedDispatchAt,
        Indexed = IndexEntry.Split(Indexed),
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        ETag = ETag.ToString(),
    };

    private static string? Cap(string? text, int max) => text is null || text.Length <= max ? text : text[..max];
}
