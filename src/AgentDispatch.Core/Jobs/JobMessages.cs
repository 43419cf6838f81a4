using AgentDispatch.Requests;
using AgentDispatch.Storage;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;

namespace AgentDispatch.Jobs;

/// <summary>
/// The queue side of the jobs: requests from other cloud apps, and the internal wake-ups that start
/// scheduled jobs and retries. A message that can never succeed goes to the poison queue at once, with
/// its reason; anything that fails for a passing reason throws, so the host delivers it again.
/// </summary>
public sealed class JobMessages(
    DispatchJobService jobs,
    DispatchJobRunner runner,
    PoisonQueue poison,
    QueueNames queues,
    ILogger<JobMessages> logger)
{
    /// <summary>A message of <c>DISPATCH_REQUESTS_QUEUE</c>: a dispatch request, as the HTTP API takes it.</summary>
    public async Task RequestAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var parsed = DispatchJobRequestParser.Parse(QueueMessageText.Decode(message.Body));
        if (parsed.Value is not { } request)
        {
            await PoisonAsync(queues.Requests, message, "The message is not a valid dispatch request.", parsed.Errors!, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Judged by when it was sent, not when it arrived: a redelivery an hour later is still the same request.
        var result = await jobs.SubmitAsync(request with { RequestedAt = message.InsertedOn }, JobSources.Queue, cancellationToken).ConfigureAwait(false);
        if (result.Status is SubmitStatus.Rejected or SubmitStatus.Invalid)
        {
            var reason = result.Status == SubmitStatus.Invalid ? "The message is not a valid dispatch request."
                : result.Job is null ? "The dispatch window does not allow this request." : "The idempotency key belongs to a different request.";
            await PoisonAsync(queues.Requests, message, reason, result.Errors!, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A message of <c>DISPATCH_WAKE_QUEUE</c>: <c>{"id", "due"}</c>, a job whose time may have come.</summary>
    public async Task WakeAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (WakeQueue.Read(QueueMessageText.Decode(message.Body)) is not { } wake)
        {
            var errors = new RequestErrors();
            errors.Add("body", "must be {\"id\": \"<job id>\", \"due\": \"<time>\"}.");
            await PoisonAsync(queues.Wake, message, "The message is not a wake-up.", errors, cancellationToken).ConfigureAwait(false);
            return;
        }

        await runner.WakeAsync(wake.Id, wake.Due, cancellationToken).ConfigureAwait(false);
    }

    private async Task PoisonAsync(string queue, QueueMessage message, string reason, RequestErrors errors, CancellationToken cancellationToken)
    {
        Log.Poisoned(logger, message.MessageId, queue, reason, errors.ToString());
        await poison.SendAsync(queue, message.MessageId, message.DequeueCount, message.Body.ToString(), reason, errors.ToDictionary(), cancellationToken).ConfigureAwait(false);
    }
}
