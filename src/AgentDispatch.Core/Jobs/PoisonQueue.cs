using System.Text.Json;
using System.Text.Json.Serialization;
using AgentDispatch.Storage;
using Azure.Storage.Queues;

namespace AgentDispatch.Jobs;

/// <summary>
/// What the app puts in a poison queue for a message that can never succeed: the reason, the
/// problems by field, and the original message text untouched, so it can be fixed and re-sent.
/// </summary>
public sealed record PoisonedMessage(
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("errors")] IDictionary<string, string[]>? Errors,
    [property: JsonPropertyName("queue")] string Queue,
    [property: JsonPropertyName("messageId")] string MessageId,
    [property: JsonPropertyName("dequeueCount")] long DequeueCount,
    [property: JsonPropertyName("poisonedAt")] DateTimeOffset PoisonedAt,
    [property: JsonPropertyName("originalMessage")] string OriginalMessage);

/// <summary>Sends never-valid messages to <c>&lt;queue&gt;-poison</c> at once instead of failing them five times.</summary>
public sealed class PoisonQueue(StorageClients storage, TimeProvider time)
{
    /// <summary>
    /// A queue message holds at most 64 KiB; escaped inside the envelope, a large original could push
    /// it past that and the reason would be lost. Longer originals are cut, and say so.
    /// </summary>
    public const int MaxOriginalChars = 16 * 1024;

    /// <summary>
    /// What the envelope may take of a message's 64 KiB, as JSON text: the serializer writes every
    /// non-ASCII character and quote as a six-character escape, so text and bytes are the same length.
    /// </summary>
    private const int MaxEnvelopeChars = 60 * 1024;

    private static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, CreateOnce> _created = new(StringComparer.Ordinal);

    public async Task SendAsync(string sourceQueue, string messageId, long dequeueCount, string originalText, string reason, IDictionary<string, string[]>? errors, CancellationToken cancellationToken)
    {
        var queue = storage.Queues.GetQueueClient(sourceQueue + "-poison");
        await _created.GetOrAdd(queue.Name, _ => new CreateOnce(ct => queue.CreateIfNotExistsAsync(cancellationToken: ct)))
            .EnsureAsync(cancellationToken).ConfigureAwait(false);
        ArgumentNullException.ThrowIfNull(originalText);
        // Never between the two halves of a surrogate pair: half of one is not text, and would be written as U+FFFD.
        var original = originalText.Length <= MaxOriginalChars ? originalText : Events.EventLimits.Prefix(originalText, MaxOriginalChars) + $"... [cut: {originalText.Length} characters in all]";
        var poisoned = new PoisonedMessage(reason, errors, sourceQueue, messageId, dequeueCount, time.GetUtcNow(), original);
        var envelope = JsonSerializer.Serialize(poisoned, JobsJsonContext.Default.PoisonedMessage);
        if (envelope.Length > MaxEnvelopeChars)
        {
            // Still too large (a long reason, long field names): keep the reason's start and the original, drop the rest.
            poisoned = poisoned with { Reason = reason.Length > 1024 ? Events.EventLimits.Prefix(reason, 1024) + "..." : reason, Errors = null };
            envelope = JsonSerializer.Serialize(poisoned, JobsJsonContext.Default.PoisonedMessage);
        }

        await queue.SendMessageAsync(envelope, null, NeverExpires, cancellationToken).ConfigureAwait(false);
    }
}
