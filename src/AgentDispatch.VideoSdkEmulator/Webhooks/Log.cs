using Microsoft.Extensions.Logging;

namespace AgentDispatch.VideoSdkEmulator.Webhooks;

internal static partial class Log
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Debug,
        Message = "Webhook {WebhookType} for meeting {MeetingId} delivered on attempt {Attempt} (status {StatusCode})")]
    public static partial void WebhookDelivered(ILogger logger, string webhookType, string meetingId, int attempt, int statusCode);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning,
        Message = "Webhook {WebhookType} for meeting {MeetingId} failed on attempt {Attempt} of {MaxAttempts}: {Failure}")]
    public static partial void WebhookAttemptFailed(ILogger logger, string webhookType, string meetingId, int attempt, int maxAttempts, string failure);

    [LoggerMessage(EventId = 402, Level = LogLevel.Error, Message = "Webhook delivery loop stopped unexpectedly")]
    public static partial void WebhookLoopFailed(ILogger logger, Exception exception);
}
