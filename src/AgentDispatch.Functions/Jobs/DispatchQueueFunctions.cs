using AgentDispatch.Jobs;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.Functions.Jobs;

/// <summary>
/// The queue triggers of the jobs: requests from other cloud apps and the internal wake-ups. Each
/// hands its message to <see cref="JobMessages"/>, which holds the rules (what is poisoned, and why).
/// </summary>
public sealed class DispatchQueueFunctions(JobMessages messages)
{
    [Function(nameof(DispatchRequests))]
    public Task DispatchRequests(
        [QueueTrigger("%DISPATCH_REQUESTS_QUEUE%", Connection = "AzureWebJobsStorage")] QueueMessage message,
        CancellationToken cancellationToken)
        => messages.RequestAsync(message, cancellationToken);

    [Function(nameof(DispatchWake))]
    public Task DispatchWake(
        [QueueTrigger("%DISPATCH_WAKE_QUEUE%", Connection = "AzureWebJobsStorage")] QueueMessage message,
        CancellationToken cancellationToken)
        => messages.WakeAsync(message, cancellationToken);
}
