using AgentDispatch.Jobs;
using AgentDispatch.Storage;
using AgentDispatch.Telemetry;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Notifications;

/// <summary>
/// Turns a written change of a job's state into deliveries on the notifications queue: one message per
/// subscriber whose filter takes the event, and one for the job's own <c>callbackUrl</c>. The ledger calls
/// it right after the write; with no subscriber and no callback it costs nothing.
/// </summary>
public sealed class JobEventPublisher
{
    // Deliveries are retried for Notifications:RetryFor; a message must not expire before that.
    private static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);
    private static readonly TimeSpan[] SendRetryDelays = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)];

    private readonly QueueClient _queue;
    private readonly CreateOnce _created;
    private readonly IOptionsMonitor<NotificationsOptions> _options;
    private readonly TimeProvider _time;
    private readonly AgentDispatchMetrics _metrics;
    private readonly ILogger<JobEventPublisher> _logger;

    public JobEventPublisher(StorageClients storage, QueueNames names, IOptionsMonitor<NotificationsOptions> options, TimeProvider time, AgentDispatchMetrics metrics, ILogger<JobEventPublisher> logger)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(names);
        _queue = storage.Queues.GetQueueClient(names.Notifications);
        _created = new CreateOnce(ct => _queue.CreateIfNotExistsAsync(cancellationToken: ct));
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Who hears about <paramref name="type"/> for <paramref name="job"/>: subscriber names, and <see cref="NotificationsOptions.CallbackName"/>.</summary>
    public IEnumerable<string> Recipients(DispatchJob job, string type)
    {
        var o = _options.CurrentValue;
        for (var i = 0; i < o.Subscribers.Count; i++)
        {
            if (JobEventTypes.Matches(o.Subscribers[i].Events, type))
            {
                yield return NotificationsOptions.NameOf(o.Subscribers[i], i);
            }
        }

        if (job.CallbackUrl is not null)
        {
            yield return NotificationsOptions.CallbackName;
        }
    }

    /// <summary>
    /// Queues the event's deliveries. It does not throw: the job's change is written already and must
    /// stand. False when a queue that stays unreachable through a short retry left a delivery unqueued:
    /// the ledger then keeps the event in its outbox, and the sweep queues it again (to every recipient;
    /// the repeats carry the same <c>webhook-id</c>).
    /// </summary>
    public async Task<bool> PublishAsync(DispatchJob job, string type)
    {
        ArgumentNullException.ThrowIfNull(job);
        var recipients = Recipients(job, type).ToList();
        if (recipients.Count == 0)
        {
            return true;
        }

        var eventId = JobEvent.IdFor(job);
        var now = _time.GetUtcNow();
        var queued = true;
        foreach (var to in recipients)
        {
            var written = JobEvent.Bodies(job, type)
                .Select(body => new NotificationMessage(eventId, to, job.Id, type, job.Sequence, body, now, 0, to == NotificationsOptions.CallbackName ? job.CallbackUrl : null).Write())
                .FirstOrDefault(NotificationMessage.Fits);
            if (written is null)
            {
                Log.EventTooLarge(_logger, eventId, to);
                _metrics.Notification(NotificationResults.Lost);
                continue;
            }

            queued &= await SendAsync(eventId, to, written).ConfigureAwait(false);
        }

        return queued;
    }

    /// <summary>A status event not queued, and not to be: the job moved on before the sweep could send it again.</summary>
    public void Superseded(string eventId)
    {
        Log.EventSuperseded(_logger, eventId);
        _metrics.Notification(NotificationResults.Lost);
    }

    /// <summary>Queues a delivery (a retry, or a dead-lettered one sent again), hidden for <paramref name="delay"/>.</summary>
    public async Task SendAsync(NotificationMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        delay = delay < TimeSpan.Zero ? TimeSpan.Zero : delay > WakeQueue.MaxDelay ? WakeQueue.MaxDelay : delay;
        await _queue.SendMessageAsync(message.Write(), delay, NeverExpires, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Approximate count of deliveries waiting (queued or hidden for a retry); null when it cannot be read.</summary>
    public async Task<int?> QueuedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
            var properties = await _queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
            return properties.Value.ApproximateMessagesCount;
        }
        catch (Exception ex) when (StorageFailures.IsTransient(ex, out _))
        {
            return null;
        }
    }

    private async Task<bool> SendAsync(string eventId, string to, string written)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _created.EnsureAsync(CancellationToken.None).ConfigureAwait(false);
                await _queue.SendMessageAsync(written, TimeSpan.Zero, NeverExpires, CancellationToken.None).ConfigureAwait(false);
                return true;
            }
            catch (Exception ex) when (attempt < SendRetryDelays.Length && StorageFailures.IsTransient(ex, out _))
            {
                await Task.Delay(SendRetryDelays[attempt], _time).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.EventNotQueued(_logger, eventId, to, ex);
                return false;
            }
        }
    }
}
