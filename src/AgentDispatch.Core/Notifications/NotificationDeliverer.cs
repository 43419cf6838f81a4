using System.Text;
using AgentDispatch.Jobs;
using AgentDispatch.Requests;
using AgentDispatch.Storage;
using AgentDispatch.Telemetry;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Notifications;

/// <summary>
/// Delivers one queued event to one subscriber. A failure that may pass is queued again, hidden for an
/// exponential backoff (never shorter than the subscriber's <c>Retry-After</c>), until
/// <c>Notifications:RetryFor</c> has passed since the first attempt; then, or at once on a <c>410</c> or
/// a refused URL, the delivery is kept in the dead-letter table. Every attempt carries the same
/// <c>webhook-id</c> and body.
/// </summary>
public sealed class NotificationDeliverer(
    WebhookSender sender,
    NotificationSecrets secrets,
    NotificationFailures failures,
    JobEventPublisher publisher,
    PoisonQueue poison,
    QueueNames queues,
    IOptionsMonitor<NotificationsOptions> options,
    JitterSource jitter,
    TimeProvider time,
    AgentDispatchMetrics metrics,
    ILogger<NotificationDeliverer> logger)
{
    public async Task HandleAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (NotificationMessage.Read(QueueMessageText.Decode(message.Body)) is not { } delivery)
        {
            var errors = new RequestErrors();
            errors.Add("body", "must be a status-event delivery queued by this app.");
            await poison.SendAsync(queues.Notifications, message.MessageId, message.DequeueCount, message.Body.ToString(), "The message is not a status-event delivery.", errors.ToDictionary(), cancellationToken).ConfigureAwait(false);
            return;
        }

        await DeliverAsync(delivery, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeliverAsync(NotificationMessage delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var o = options.CurrentValue;
        var outcome = await AttemptAsync(delivery, o, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        switch (outcome.Result)
        {
            case DeliveryResult.Delivered:
                metrics.Notification(NotificationResults.Delivered);
                Log.Delivered(logger, delivery.EventId, delivery.Type, delivery.To, delivery.Attempt + 1);
                return;
            case DeliveryResult.Retry:
                var delay = Backoff(delivery.Attempt, outcome.RetryAfter, o);
                if (now + delay - delivery.FirstAttemptAt <= o.RetryFor)
                {
                    await publisher.SendAsync(delivery with { Attempt = delivery.Attempt + 1 }, delay, cancellationToken).ConfigureAwait(false);
                    metrics.Notification(NotificationResults.Retried);
                    Log.WillRetry(logger, delivery.EventId, delivery.To, delivery.Attempt + 1, outcome.Reason, delay);
                    return;
                }

                await GiveUpAsync(delivery, outcome, $"{outcome.Reason}; gave up after {delivery.Attempt + 1} attempts over {Hours(now - delivery.FirstAttemptAt)} (Notifications:RetryFor)", now, cancellationToken).ConfigureAwait(false);
                return;
            case DeliveryResult.Gone:
                await GiveUpAsync(delivery, outcome, $"{outcome.Reason}; the subscriber answered 410 Gone, so it is not tried again", now, cancellationToken).ConfigureAwait(false);
                return;
            default:
                await GiveUpAsync(delivery, outcome, outcome.Reason, now, cancellationToken).ConfigureAwait(false);
                return;
        }
    }

    /// <summary>The wait before attempt <paramref name="attempt"/> + 2: base × 2^attempt, capped, with jitter over its upper half.</summary>
    public TimeSpan Backoff(int attempt, TimeSpan? retryAfter, NotificationsOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var exponential = o.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30));
        var capped = Math.Min(exponential, o.RetryMaxDelay.TotalMilliseconds);
        var delay = TimeSpan.FromMilliseconds(capped / 2 + capped / 2 * jitter.NextFraction());
        if (retryAfter is { } asked && asked > delay)
        {
            delay = asked > o.RetryAfterMax ? o.RetryAfterMax : asked;
        }

        return delay;
    }

    private async Task<DeliveryOutcome> AttemptAsync(NotificationMessage delivery, NotificationsOptions o, CancellationToken cancellationToken)
    {
        var url = delivery.To == NotificationsOptions.CallbackName ? delivery.Url : o.Find(delivery.To)?.Subscriber.Url;
        if (url is null)
        {
            return new DeliveryOutcome(DeliveryResult.Refused, null, null, $"no subscriber is named '{delivery.To}' in Notifications:Subscribers any more");
        }

        if (SubscriberUrls.Problem(url, o.AllowPrivateNetworks) is { } problem)
        {
            return new DeliveryOutcome(DeliveryResult.Refused, null, null, $"the URL {problem}");
        }

        var secret = await secrets.ForAsync(delivery.To, cancellationToken).ConfigureAwait(false);
        if (secret.Value is null)
        {
            return new DeliveryOutcome(secret.Transient ? DeliveryResult.Retry : DeliveryResult.Refused, null, null, secret.Problem ?? "no signing secret");
        }

        return await sender.SendAsync(delivery.EventId, time.GetUtcNow(), Encoding.UTF8.GetBytes(delivery.Body), new SubscriberEndpoint(url, secret.Value), cancellationToken).ConfigureAwait(false);
    }

    private async Task GiveUpAsync(NotificationMessage delivery, DeliveryOutcome outcome, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await failures.AddAsync(delivery, now, outcome.Status, reason, cancellationToken).ConfigureAwait(false);
        metrics.Notification(NotificationResults.Failed);
        Log.GaveUp(logger, delivery.EventId, delivery.To, delivery.Attempt + 1, reason, delivery.DeliveryId);
    }

    private static string Hours(TimeSpan span) => span.TotalHours >= 1 ? $"{span.TotalHours:0.#} h" : span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0} min" : $"{span.TotalSeconds:0} s";
}
