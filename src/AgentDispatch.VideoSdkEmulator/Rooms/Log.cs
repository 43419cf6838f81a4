using Microsoft.Extensions.Logging;

namespace AgentDispatch.VideoSdkEmulator.Rooms;

internal static partial class Log
{
    // Debug: a benchmark makes thousands of joins; one line each would cost more than the join.
    [LoggerMessage(EventId = 300, Level = LogLevel.Debug,
        Message = "Participant {ParticipantId} (agent {AgentId}) joined meeting {MeetingId}, session {SessionId}")]
    public static partial void ParticipantJoined(ILogger logger, string participantId, string? agentId, string meetingId, string sessionId);

    [LoggerMessage(EventId = 301, Level = LogLevel.Debug,
        Message = "Participant {ParticipantId} left meeting {MeetingId}, session {SessionId}: {Reason}")]
    public static partial void ParticipantLeft(ILogger logger, string participantId, string meetingId, string sessionId, string reason);

    [LoggerMessage(EventId = 302, Level = LogLevel.Debug, Message = "Session {SessionId} of meeting {MeetingId} ended: {Reason}")]
    public static partial void SessionEnded(ILogger logger, string sessionId, string meetingId, string reason);

    [LoggerMessage(EventId = 303, Level = LogLevel.Information,
        Message = "Agent {AgentId} was assigned to meeting {MeetingId} but a join fault keeps it out")]
    public static partial void AgentKeptOut(ILogger logger, string agentId, string meetingId);

    [LoggerMessage(EventId = 304, Level = LogLevel.Error, Message = "The visit of agent {AgentId} to meeting {MeetingId} failed")]
    public static partial void AgentVisitFailed(ILogger logger, Exception exception, string agentId, string meetingId);

    [LoggerMessage(EventId = 305, Level = LogLevel.Information, Message = "Room {RoomId} created (custom id {CustomRoomId}, own webhook {HasWebhook})")]
    public static partial void RoomCreated(ILogger logger, string roomId, string? customRoomId, bool hasWebhook);
}
