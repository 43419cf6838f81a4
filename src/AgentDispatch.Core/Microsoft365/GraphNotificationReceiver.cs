using System.Text.Json;
using AgentDispatch.Telemetry;
using Microsoft.Extensions.Logging;

namespace AgentDispatch.Microsoft365;

public enum GraphReceiptKind
{
    /// <summary>Read; the verified notifications were queued (possibly none). Answered 202.</summary>
    Accepted,

    /// <summary>Not Graph's notification JSON. Answered 400, never 5xx: Graph would retry a 5xx for hours.</summary>
    Invalid,
}

/// <param name="Queued">Mailbox work items queued.</param>
/// <param name="Ignored">Notifications dropped: unknown subscription, wrong clientState, or not readable.</param>
public sealed record GraphReceipt(GraphReceiptKind Kind, int Queued, int Ignored, string Reason);

/// <summary>
/// Graph's change and lifecycle notifications, verified and handed to the queue. Each item's
/// subscription id is looked up (one point read) and its <c>clientState</c> compared with the stored hash
/// in constant time; an unknown subscription or a wrong clientState is ignored, counted and logged
/// without the value. Nothing here calls Graph: the work happens off the request.
/// </summary>
public sealed class GraphNotificationReceiver(
    MailboxStateStore store,
    MailboxWorkQueue queue,
    TimeProvider time,
    ILogger<GraphNotificationReceiver> logger,
    AgentDispatchMetrics? metrics = null)
{
    /// <summary>Graph batches up to a few hundred notifications; each is small.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    private const int MaxItems = 1000;

    public async Task<GraphReceipt> ReceiveAsync(ReadOnlyMemory<byte> body, bool lifecycle, CancellationToken cancellationToken)
    {
        List<(string? SubscriptionId, string? ClientState, string? Event)>? items;
        try
        {
            items = Parse(body, lifecycle);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not valid UTF-8, found when it is read.
            metrics?.GraphNotification("malformed");
            return new GraphReceipt(GraphReceiptKind.Invalid, 0, 0, "the body is not a JSON object with a 'value' array of notifications");
        }

        if (items is null)
        {
            metrics?.GraphNotification("malformed");
            return new GraphReceipt(GraphReceiptKind.Invalid, 0, 0, "the body is not a JSON object with a 'value' array of notifications");
        }

        var work = new HashSet<(string Mailbox, string Action)>();
        var ignored = 0;
        var lookups = new Dictionary<string, (string Mailbox, string Hash)?>(StringComparer.Ordinal);
        foreach (var (subscriptionId, clientState, lifecycleEvent) in items)
        {
            var action = lifecycle ? ActionFor(lifecycleEvent) : MailboxActions.Sync;
            if (subscriptionId is null || action is null)
            {
                Ignore("malformed", subscriptionId);
                ignored++;
                continue;
            }

            if (!lookups.TryGetValue(subscriptionId, out var found))
            {
                found = await store.FindSubscriptionAsync(subscriptionId, cancellationToken).ConfigureAwait(false);
                lookups[subscriptionId] = found;
            }

            if (found is not { } subscription)
            {
                Ignore("unknown-subscription", subscriptionId);
                ignored++;
                continue;
            }

            if (!ClientStates.Matches(clientState, subscription.Hash))
            {
                Ignore("client-state-mismatch", subscriptionId);
                ignored++;
                continue;
            }

            metrics?.GraphNotification("accepted");
            work.Add((subscription.Mailbox, action));
        }

        var now = time.GetUtcNow();
        foreach (var (mailbox, action) in work)
        {
            await queue.SendAsync(new MailboxWorkMessage(mailbox, action, now), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }

        return new GraphReceipt(GraphReceiptKind.Accepted, work.Count, ignored, ignored == 0 ? "queued" : $"queued {work.Count}, ignored {ignored}");
    }

    private void Ignore(string reason, string? subscriptionId)
    {
        metrics?.GraphNotification(reason);
        // The subscription id only when it is one the table could key (a GUID): never the clientState, never free text.
        Log.NotificationIgnored(logger, reason, MailboxStateStore.IsKeySafe(subscriptionId) ? subscriptionId : null);
    }

    private static string? ActionFor(string? lifecycleEvent) => lifecycleEvent switch
    {
        "subscriptionRemoved" => MailboxActions.Resubscribe,
        "missed" => MailboxActions.Resync,
        "reauthorizationRequired" => MailboxActions.Reauthorize,
        _ => null,
    };

    /// <summary><c>{"value": [{subscriptionId, clientState, changeType | lifecycleEvent, ...}]}</c>; null when it is not that shape.</summary>
    private static List<(string?, string?, string?)>? Parse(ReadOnlyMemory<byte> body, bool lifecycle)
    {
        using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var items = new List<(string?, string?, string?)>();
        foreach (var item in value.EnumerateArray().Take(MaxItems))
        {
            items.Add(item.ValueKind == JsonValueKind.Object
                ? (Text(item, "subscriptionId"), Text(item, "clientState"), lifecycle ? Text(item, "lifecycleEvent") : null)
                : (null, null, null));
        }

        return items;
    }

    private static string? Text(JsonElement item, string name)
        => item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
