namespace AgentDispatch.Notifications;

/// <summary>The <c>result</c> tag of <c>agentdispatch.notifications</c>.</summary>
public static class NotificationResults
{
    public const string Delivered = "delivered";
    public const string Retried = "retried";

    /// <summary>Gave up after <c>Notifications:RetryFor</c>, or on a subscriber's <c>410</c> or a refused URL: dead-lettered.</summary>
    public const string Failed = "failed";

    /// <summary>Never queued: the queue stayed unreachable right after the job's change was written.</summary>
    public const string Lost = "lost";
}
