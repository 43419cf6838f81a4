using AgentDispatch.Functions.Http;
using AgentDispatch.Notifications;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.Functions.Notifications;

/// <summary>
/// Status events: the queue trigger that delivers them, and <c>/api/notifications</c> to list the
/// deliveries that gave up and send one again. The rules live in <see cref="NotificationDeliverer"/> and
/// <see cref="NotificationFailures"/>.
/// </summary>
public sealed class NotificationsFunctions(NotificationDeliverer deliverer, NotificationFailures failures, TimeProvider time)
{
    [Function(nameof(DeliverNotification))]
    public Task DeliverNotification(
        [QueueTrigger("%DISPATCH_NOTIFICATIONS_QUEUE%", Connection = "AzureWebJobsStorage")] QueueMessage message,
        CancellationToken cancellationToken)
        => deliverer.HandleAsync(message, cancellationToken);

    [Function(nameof(ListFailedNotifications))]
    public Task<IResult> ListFailedNotifications(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "notifications/failed")] HttpRequest request,
        CancellationToken cancellationToken)
        => StorageOutage.GuardAsync(async ct =>
        {
            var query = FailedNotificationsQuery.Parse(request.Query);
            if (query.Errors is { } errors)
            {
                return Problems.Validation(errors);
            }

            var page = await failures.ListAsync(query.Value!.Limit, query.Value.Cursor, ct).ConfigureAwait(false);
            if (page is null)
            {
                var stale = new Requests.RequestErrors();
                stale.Add("cursor", "is not a cursor this API gave out.");
                return Problems.Validation(stale);
            }

            return TypedResults.Json(page, FunctionsJsonContext.Default.FailedNotificationPage);
        }, cancellationToken);

    [Function(nameof(RetryNotification))]
    public Task<IResult> RetryNotification(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "notifications/{id}/retry")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
        => StorageOutage.GuardAsync(async ct =>
        {
            if (await failures.RetryAsync(id, time.GetUtcNow(), ct).ConfigureAwait(false) is not { } queued)
            {
                return Problems.Status(StatusCodes.Status404NotFound, "not-found", "No such failed delivery.", $"No failed delivery has the id '{Shorten(id)}'.");
            }

            return TypedResults.Json(new NotificationRetried(queued.DeliveryId, queued.EventId, queued.To, "queued"), FunctionsJsonContext.Default.NotificationRetried, statusCode: StatusCodes.Status202Accepted);
        }, cancellationToken);

    private static string Shorten(string id) => id.Length <= 160 ? id : id[..160] + "…";
}

/// <summary>The answer to a retry: the delivery queued again from its first attempt.</summary>
public sealed record NotificationRetried(string Id, string EventId, string To, string Status);
