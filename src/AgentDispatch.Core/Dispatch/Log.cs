using Microsoft.Extensions.Logging;

namespace AgentDispatch.Dispatch;

/// <summary>Dispatch calls and their outcomes; never the token or the request body.</summary>
internal static partial class Log
{
    [LoggerMessage(10, LogLevel.Information, "Dispatch of agent {AgentId} to meeting {MeetingId}: {Outcome} (upstream status {UpstreamStatus}) in {ElapsedMs:F0} ms")]
    public static partial void Dispatched(ILogger logger, string meetingId, string agentId, DispatchOutcomeKind outcome, int? upstreamStatus, double elapsedMs);

    [LoggerMessage(11, LogLevel.Information, "VideoSDK refused the token for agent {AgentId} in meeting {MeetingId}; resending once with the token read again")]
    public static partial void ResendingWithRenewedToken(ILogger logger, string meetingId, string agentId);

    [LoggerMessage(12, LogLevel.Warning, "VideoSDK could not be reached, nothing was sent: {ErrorType}: {Error}")]
    public static partial void NotSent(ILogger logger, string errorType, string error);

    [LoggerMessage(13, LogLevel.Warning, "No answer from VideoSDK after the request was sent: {ErrorType}: {Error}")]
    public static partial void NoAnswer(ILogger logger, string errorType, string error);

    [LoggerMessage(14, LogLevel.Warning, "Dispatch cancelled by the caller while the request may have been on its way: outcome Unknown, an agent may have been dispatched")]
    public static partial void CancelledInFlight(ILogger logger);

    [LoggerMessage(15, LogLevel.Error, "No VideoSDK token for agent {AgentId} in meeting {MeetingId}, nothing sent: {Reason}")]
    public static partial void TokenUnavailable(ILogger logger, string meetingId, string agentId, string reason);

    [LoggerMessage(16, LogLevel.Warning, "Could not look in meeting {MeetingId} for the agent: {Reason} {Detail}")]
    public static partial void LookFailed(ILogger logger, string meetingId, string reason, string? detail);

    [LoggerMessage(17, LogLevel.Warning, "Not sent: VideoSdk:RateLimit gave no permit in time; a capacity outcome, tried again later")]
    public static partial void RateLimited(ILogger logger);
}
