using Microsoft.Extensions.Logging;

namespace AgentDispatch.VideoSdkEmulator.Dispatch;

internal static partial class Log
{
    // Debug: at benchmark rates one line per request would cost more than the request itself.
    // The Authorization header and the body are never logged.
    [LoggerMessage(EventId = 100, Level = LogLevel.Debug,
        Message = "Dispatch {Sequence} for meeting {MeetingId}, agent {AgentId}: {Outcome} (status {Status}, worker {WorkerId})")]
    public static partial void DispatchHandled(
        ILogger logger, long sequence, string? meetingId, string? agentId, EmulatedOutcome outcome, int? status, string? workerId);
}
