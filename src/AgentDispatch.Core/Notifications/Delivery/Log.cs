using Microsoft.Extensions.Logging;

namespace AgentDispatch.Notifications;

/// <summary>
/// Webhook delivery events (950-959), by webhook id and host only: a subscriber URL's path or query may carry a
/// token, and secrets and signatures are never logged.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 950, EventName = "WebhookDelivered", Level = LogLevel.Information, Message = "Webhook {WebhookId} delivered to {Host}: HTTP {Status} in {ElapsedMs} ms")]
    public static partial void WebhookDelivered(ILogger logger, string webhookId, string host, int status, long elapsedMs);

    [LoggerMessage(EventId = 951, EventName = "WebhookNotDelivered", Level = LogLevel.Warning, Message = "Webhook {WebhookId} to {Host} not delivered ({Result}, HTTP {Status}) after {ElapsedMs} ms: {Reason}")]
    public static partial void WebhookNotDelivered(ILogger logger, string webhookId, string host, DeliveryResult result, int? status, long elapsedMs, string reason);

    [LoggerMessage(EventId = 952, EventName = "WebhookRefused", Level = LogLevel.Warning, Message = "Webhook {WebhookId} not sent to {Host}: {Reason}")]
    public static partial void WebhookRefused(ILogger logger, string webhookId, string host, string reason);
}
