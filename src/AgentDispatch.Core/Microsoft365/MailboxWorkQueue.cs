using System.Text.Json;
using System.Text.Json.Serialization;
using AgentDispatch.Storage;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace AgentDispatch.Microsoft365;

/// <summary>What to do for a mailbox, off the notification request.</summary>
public static class MailboxActions
{
    /// <summary>A change notification: follow the delta link.</summary>
    public const string Sync = "sync";

    /// <summary>A <c>missed</c> lifecycle notification (or a resync asked for): a full sync.</summary>
    public const string Resync = "resync";

    /// <summary><c>subscriptionRemoved</c>: subscribe again, then sync what happened meanwhile.</summary>
    public const string Resubscribe = "resubscribe";

    /// <summary><c>reauthorizationRequired</c>.</summary>
    public const string Reauthorize = "reauthorize";

    public static bool IsKnown(string? action) => action is Sync or Resync or Resubscribe or Reauthorize;
}

/// <param name="At">When the work was asked for: a sync that began after it has already covered it.</param>
public sealed record MailboxWorkMessage(
    [property: JsonPropertyName("mailbox")] string Mailbox,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("at")] DateTimeOffset At);

[JsonSerializable(typeof(MailboxWorkMessage))]
internal sealed partial class Microsoft365JsonContext : JsonSerializerContext;

/// <summary>
/// The queue between Graph's notifications and the delta queries (<c>%MICROSOFT365_QUEUE%</c>): a message
/// names a mailbox and an action, nothing else. The webhook answers Graph as soon as it is queued.
/// </summary>
public sealed class MailboxWorkQueue
{
    public const string Setting = "MICROSOFT365_QUEUE";
    public const string DefaultName = "agent-dispatch-microsoft365";

    private readonly QueueClient _queue;
    private readonly CreateOnce _created;

    public MailboxWorkQueue(StorageClients storage, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(configuration);
        var name = configuration[Setting] ?? DefaultName;
        if (!QueueNames.IsValid(name))
        {
            throw new InvalidOperationException($"{Setting} must be a queue name: {QueueNames.Rule}.");
        }

        _queue = storage.Queues.GetQueueClient(name);
        _created = new CreateOnce(ct => _queue.CreateIfNotExistsAsync(cancellationToken: ct));
    }

    public string Name => _queue.Name;

    public async Task SendAsync(MailboxWorkMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        await _created.EnsureAsync(cancellationToken).ConfigureAwait(false);
        delay = delay < TimeSpan.Zero ? TimeSpan.Zero : delay > TimeSpan.FromHours(1) ? TimeSpan.FromHours(1) : delay;
        await _queue.SendMessageAsync(JsonSerializer.Serialize(message, Microsoft365JsonContext.Default.MailboxWorkMessage), delay, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public static MailboxWorkMessage? Read(ReadOnlyMemory<byte> body)
    {
        try
        {
            var message = JsonSerializer.Deserialize(body.Span, Microsoft365JsonContext.Default.MailboxWorkMessage);
            return message is { Mailbox.Length: > 0 } && MailboxActions.IsKnown(message.Action) ? message : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
