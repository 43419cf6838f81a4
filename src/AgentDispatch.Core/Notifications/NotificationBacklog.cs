namespace AgentDispatch.Notifications;

/// <summary>
/// What is waiting to reach subscribers: deliveries queued (including those waiting for a retry), and
/// deliveries that gave up and are kept in the dead-letter table.
/// </summary>
/// <param name="Queued">Approximate count of queued deliveries, as the Storage queue reports it; null when it could not be read.</param>
/// <param name="Failed">Dead-lettered deliveries, counted up to <paramref name="FailedCountLimit"/>.</param>
/// <param name="FailedCountLimit">The count stops here; a <paramref name="Failed"/> equal to it means "at least".</param>
public sealed record NotificationBacklog(int? Queued, int Failed, int FailedCountLimit);

/// <summary>Reads the notification backlog (for the status page and operators).</summary>
public interface INotificationBacklog
{
    Task<NotificationBacklog> ReadAsync(CancellationToken cancellationToken);
}
