using AgentDispatch.Microsoft365;
using AgentDispatch.Storage;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.Functions.Microsoft365;

/// <summary>
/// The mailbox work off the notification request: each message on <c>%MICROSOFT365_QUEUE%</c> runs a
/// delta (or a resubscribe, resync, reauthorize) for one mailbox; the timer on
/// <c>%MICROSOFT365_SCHEDULE%</c> (every five minutes) renews subscriptions and queues the syncs that are due.
/// </summary>
public sealed class Microsoft365Functions(MailboxWork work, MailboxMaintenance maintenance)
{
    [Function(nameof(Microsoft365Sync))]
    public Task Microsoft365Sync(
        [QueueTrigger("%MICROSOFT365_QUEUE%", Connection = "AzureWebJobsStorage")] QueueMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return work.HandleAsync(QueueMessageText.Decode(message.Body), cancellationToken);
    }

    [Function(nameof(Microsoft365Maintenance))]
    public Task Microsoft365Maintenance([TimerTrigger("%MICROSOFT365_SCHEDULE%")] TimerInfo timer, CancellationToken cancellationToken)
        => maintenance.RunAsync(cancellationToken);
}
