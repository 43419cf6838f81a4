using System.Text;

namespace AgentDispatch.VideoSdkEmulator.Dispatch;

/// <summary>One received dispatch request and what was answered.</summary>
/// <remarks>
/// Body and answer are kept as the UTF-8 bytes that crossed the wire (half the size of a string,
/// and up to 200,000 records are kept); the string properties decode them on each read.
/// </remarks>
public sealed class DispatchRecord
{
    private readonly byte[] _body;
    private readonly byte[]? _response;

    internal DispatchRecord(long sequence, DateTimeOffset receivedAt, string? authorization, byte[] body, in DispatchAnswer answer)
    {
        Sequence = sequence;
        ReceivedAt = receivedAt;
        Authorization = authorization;
        _body = body;
        if (answer.Dropped)
        {
            Outcome = EmulatedOutcome.Dropped;
        }
        else
        {
            Status = answer.Status;
            _response = answer.Body;
            Outcome = answer.Outcome;
        }

        Assigned = answer.Assigned;
        WorkerId = answer.WorkerId;
        MeetingId = answer.MeetingId;
        AgentId = answer.AgentId;
        Slow = answer.Slow;
    }

    /// <summary>Arrival order, from 1; keeps counting across <see cref="EmulatorState.ClearDispatches"/>.</summary>
    public long Sequence { get; }

    public DateTimeOffset ReceivedAt { get; }

    /// <summary>The <c>Authorization</c> header exactly as received, or null when absent.</summary>
    public string? Authorization { get; }

    /// <summary>The raw request body.</summary>
    public string Body => Encoding.UTF8.GetString(_body);

    /// <summary>The HTTP status answered, or null when the connection was dropped.</summary>
    public int? Status { get; }

    /// <summary>The raw answered body, or null when the connection was dropped.</summary>
    public string? Response => _response is null ? null : Encoding.UTF8.GetString(_response);

    public EmulatedOutcome Outcome { get; }

    /// <summary>Whether a real agent dispatch happened: true for dropped-after-assign and slow answers too.</summary>
    public bool Assigned { get; }

    /// <summary>The worker that took the job; null for dashboard-managed agents and failures.</summary>
    public string? WorkerId { get; }

    /// <summary>The body's meetingId when it could be read.</summary>
    public string? MeetingId { get; }

    /// <summary>The body's agentId when it could be read.</summary>
    public string? AgentId { get; }

    /// <summary>Whether the answer was held back by a slow fault.</summary>
    public bool Slow { get; }
}
