using System.Text.Json;
using System.Text.Json.Serialization;
using AgentDispatch.Storage;
using Azure.Storage.Queues;

namespace AgentDispatch.Jobs;

/// <summary>A wake-up: "look at job <see cref="Id"/>, due at <see cref="Due"/>".</summary>
public sealed record WakeMessage([property: JsonPropertyName("id")] string Id, [property: JsonPropertyName("due")] DateTimeOffset Due);

/// <summary>
/// The internal queue that wakes a job at its time: a message hidden until the job is due
/// (visibility timeout, at most 7 days). The message only says which job to look at; the ledger
/// decides what, if anything, to do, so a stale wake-up is harmless.
/// </summary>
public sealed class WakeQueue
{
    /// <summary>Storage hides a message for at most 7 days; a little less leaves room for clock skew.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(7) - TimeSpan.FromMinutes(5);

    // A message that outlived its time-to-live would vanish while hidden: wake-ups never expire.
    private static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);

    private readonly QueueClient _queue;
    private readonly CreateOnce _created;
    private readonly TimeProvider _time;

    public WakeQueue(StorageClients storage, QueueNames names, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(names);
        _queue = storage.Queues.GetQueueClient(names.Wake);
        _created = new CreateOnce(ct => _queue.CreateIfNotExistsAsync(cancellationToken: ct));
        _time = time;
    }

    /// <summary>True when a wake-up for <paramref name="due"/> can be queued now; later ones wait for the sweep.</summary>
    public bool CanWake(DateTimeOffset due) => due - _time.GetUtcNow() <= MaxDelay;

    public async Task SendAsync(string jobId, DateTimeOffset due, CancellationToken cancellationToken)
    {
        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        // The difference of two times always fits a TimeSpan (even 9999 less 0001); it is held to what Storage can hide.
        var delay = due - _time.GetUtcNow();
        delay = delay < TimeSpan.Zero ? TimeSpan.Zero : delay > MaxDelay ? MaxDelay : delay;
        var text = JsonSerializer.Serialize(new WakeMessage(jobId, due), JobsJsonContext.Default.WakeMessage);
        await _queue.SendMessageAsync(text, delay, NeverExpires, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The job id of a wake-up message, or null when the message is not one.</summary>
    public static WakeMessage? Read(ReadOnlyMemory<byte> body)
    {
        try
        {
            var message = JsonSerializer.Deserialize(body.Span, JobsJsonContext.Default.WakeMessage);
            return message is not null && JobIds.IsWellFormed(message.Id) ? message : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
