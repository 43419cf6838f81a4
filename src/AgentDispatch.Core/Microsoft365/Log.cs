using Microsoft.Extensions.Logging;

namespace AgentDispatch.Microsoft365;

/// <summary>Microsoft 365 mailbox logs: names and counts, never a clientState, token or delta link.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1300, EventName = "M365Synced", Level = LogLevel.Information,
        Message = "Mailbox {Mailbox} synced (full: {Full}): {Created} created, {Moved} moved, {Cancelled} cancelled, {Unchanged} unchanged, {Ignored} ignored, {Requests} Graph requests")]
    public static partial void Synced(ILogger logger, string mailbox, bool full, int created, int moved, int cancelled, int unchanged, int ignored, int requests);

    [LoggerMessage(EventId = 1301, EventName = "M365Failing", Level = LogLevel.Warning, Message = "Mailbox {Mailbox} cannot be synced ({Kind}): {Error}")]
    public static partial void MailboxFailing(ILogger logger, string mailbox, GraphFailureKind kind, string error);

    [LoggerMessage(EventId = 1302, EventName = "M365Recovered", Level = LogLevel.Information, Message = "Mailbox {Mailbox} syncs again")]
    public static partial void MailboxRecovered(ILogger logger, string mailbox);

    [LoggerMessage(EventId = 1303, EventName = "M365DeltaLinkGone", Level = LogLevel.Information, Message = "Mailbox {Mailbox}: Graph no longer knows the delta link; syncing in full")]
    public static partial void DeltaLinkGone(ILogger logger, string mailbox);

    [LoggerMessage(EventId = 1304, EventName = "M365Subscribed", Level = LogLevel.Information, Message = "Mailbox {Mailbox} subscribed to Graph change notifications until {ExpiresAt:o}")]
    public static partial void Subscribed(ILogger logger, string mailbox, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 1305, EventName = "M365Renewed", Level = LogLevel.Information, Message = "Mailbox {Mailbox}: subscription renewed until {ExpiresAt:o}")]
    public static partial void SubscriptionRenewed(ILogger logger, string mailbox, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 1306, EventName = "M365Reauthorized", Level = LogLevel.Information, Message = "Mailbox {Mailbox}: subscription reauthorized")]
    public static partial void SubscriptionReauthorized(ILogger logger, string mailbox);

    [LoggerMessage(EventId = 1307, EventName = "M365SubscriptionFailing", Level = LogLevel.Warning, Message = "Mailbox {Mailbox} has no working subscription: {Error}")]
    public static partial void SubscriptionFailing(ILogger logger, string mailbox, string error);

    [LoggerMessage(EventId = 1308, EventName = "M365NotificationIgnored", Level = LogLevel.Warning, Message = "A Graph notification was ignored ({Reason}; subscription {SubscriptionId})")]
    public static partial void NotificationIgnored(ILogger logger, string reason, string? subscriptionId);

    [LoggerMessage(EventId = 1309, EventName = "M365WorkUnreadable", Level = LogLevel.Warning, Message = "A mailbox work message is not readable and was dropped")]
    public static partial void WorkUnreadable(ILogger logger);

    [LoggerMessage(EventId = 1310, EventName = "M365WorkUnknownMailbox", Level = LogLevel.Information, Message = "Mailbox work for {Mailbox} was dropped: no such mailbox is configured")]
    public static partial void WorkForUnknownMailbox(ILogger logger, string mailbox);

    [LoggerMessage(EventId = 1311, EventName = "M365SyncCovered", Level = LogLevel.Debug, Message = "Mailbox {Mailbox}: a sync that began after this notification already read it")]
    public static partial void SyncCovered(ILogger logger, string mailbox);

    [LoggerMessage(EventId = 1312, EventName = "M365MaintenanceFailed", Level = LogLevel.Warning, Message = "Mailbox {Mailbox}: the renewal and resync pass failed; the next run tries again")]
    public static partial void MaintenanceFailed(ILogger logger, string mailbox, Exception exception);

    [LoggerMessage(EventId = 1313, EventName = "M365Maintained", Level = LogLevel.Information,
        Message = "Mailboxes: {Mailboxes} checked, {Subscribed} subscribed, {Renewed} renewed, {Failed} subscriptions failing, {Queued} syncs queued")]
    public static partial void Maintained(ILogger logger, int mailboxes, int subscribed, int renewed, int failed, int queued);
}
