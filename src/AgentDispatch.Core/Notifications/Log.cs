using Microsoft.Extensions.Logging;

namespace AgentDispatch.Notifications;

/// <summary>Status-event deliveries, by event id and subscriber name: never a URL, secret, signature or body.</summary>
internal static partial class Log
{
    [LoggerMessage(900, LogLevel.Information, "Event {EventId} ({EventType}) delivered to {Subscriber} (attempt {Attempt})")]
    public static partial void Delivered(ILogger logger, string eventId, string eventType, string subscriber, int attempt);

    [LoggerMessage(901, LogLevel.Warning, "Event {EventId} to {Subscriber} failed (attempt {Attempt}): {Reason}; trying again in {Delay}")]
    public static partial void WillRetry(ILogger logger, string eventId, string subscriber, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(902, LogLevel.Error, "Event {EventId} to {Subscriber} gave up after {Attempts} attempts: {Reason}; kept as failed delivery {DeliveryId}")]
    public static partial void GaveUp(ILogger logger, string eventId, string subscriber, int attempts, string reason, string deliveryId);

    [LoggerMessage(903, LogLevel.Warning, "Event {EventId} to {Subscriber} could not be queued; it stays in the ledger's outbox and the sweep queues it again")]
    public static partial void EventNotQueued(ILogger logger, string eventId, string subscriber, Exception exception);

    [LoggerMessage(906, LogLevel.Error, "Event {EventId} was never queued and its job has changed since: not sent (the subscriber sees a gap in sequence)")]
    public static partial void EventSuperseded(ILogger logger, string eventId);

    [LoggerMessage(904, LogLevel.Error, "Event {EventId} to {Subscriber} does not fit in a queue message, even without the job's metadata; not sent")]
    public static partial void EventTooLarge(ILogger logger, string eventId, string subscriber);

    [LoggerMessage(905, LogLevel.Information, "Failed delivery {DeliveryId} queued again")]
    public static partial void Requeued(ILogger logger, string deliveryId);
}
