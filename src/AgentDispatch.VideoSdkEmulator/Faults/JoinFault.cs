using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace AgentDispatch.VideoSdkEmulator.Faults;

/// <summary>One join fault: which assigned dispatches it hits and what their agent does.</summary>
/// <param name="Kind">What goes wrong.</param>
/// <param name="AgentId">Only dispatches of this agent; null for any agent.</param>
/// <param name="MeetingId">Only dispatches to this room; null for any room.</param>
/// <param name="Delay">For <see cref="JoinFaultKind.Late"/>: when the agent joins; for <see cref="JoinFaultKind.Leave"/>: how long it stays (JSON "hh:mm:ss.fff").</param>
/// <param name="Count">Hits the first this many matching dispatches, then stops; null hits every one. Read back, it is what is left.</param>
/// <remarks>Positional so that JSON with fields left out keeps these defaults.</remarks>
public sealed record JoinFault(
    [property: JsonRequired] JoinFaultKind Kind,
    string? AgentId = null,
    string? MeetingId = null,
    TimeSpan? Delay = null,
    int? Count = null)
{
    /// <summary>Checks the fields; <paramref name="error"/> says what is wrong.</summary>
    public bool IsValid([NotNullWhen(false)] out string? error)
    {
        error = null;
        if (!Enum.IsDefined(Kind))
        {
            error = "kind must be one of never, late, leave, loseAnswer, loseWebhooks.";
        }
        else if (Kind is JoinFaultKind.Late or JoinFaultKind.Leave && Delay is null)
        {
            error = "delay is required for the late and leave join faults.";
        }
        else if (Delay < TimeSpan.Zero)
        {
            error = "delay must not be negative.";
        }
        else if (Count < 0)
        {
            error = "count must not be negative.";
        }
        else if (AgentId is not null && string.IsNullOrWhiteSpace(AgentId))
        {
            error = "agentId must not be blank.";
        }
        else if (MeetingId is not null && string.IsNullOrWhiteSpace(MeetingId))
        {
            error = "meetingId must not be blank.";
        }

        return error is null;
    }

    internal bool Matches(string agentId, string meetingId) =>
        (AgentId is null || string.Equals(AgentId, agentId, StringComparison.Ordinal))
        && (MeetingId is null || string.Equals(MeetingId, meetingId, StringComparison.Ordinal));
}
