using System.Globalization;
using Azure.Storage.Queues;

namespace AgentDispatch.Reliability.Tests.Support;

/// <summary>
/// <paramref name="Count"/> distinct dispatch requests, as another cloud app would send them to the
/// requests queue: plain JSON, each with its own meeting id and idempotency key.
/// </summary>
public sealed record RequestBatch(string Prefix, int Count, string AgentId = "reliability-agent")
{
    public IReadOnlyList<string> MeetingIds { get; } = Enumerable.Range(0, Count).Select(i => Prefix + "-" + i.ToString("D4", CultureInfo.InvariantCulture)).ToList();

    /// <summary>Sends every request, due now and useful until <paramref name="window"/> from now.</summary>
    public async Task SendAsync(QueueClient queue, TimeSpan window, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queue);
        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var notAfter = DateTimeOffset.UtcNow.Add(window).ToString("O", CultureInfo.InvariantCulture);
        await Parallel.ForEachAsync(
            MeetingIds,
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (meetingId, ct) => await queue.SendMessageAsync(
                $$"""{"meetingId":"{{meetingId}}","agentId":"{{AgentId}}","idempotencyKey":"{{meetingId}}","notAfter":"{{notAfter}}"}""", ct));
    }
}
