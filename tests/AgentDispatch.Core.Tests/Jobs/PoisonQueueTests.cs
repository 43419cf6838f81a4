using System.Text.Json.Nodes;
using AgentDispatch.Jobs;
using AgentDispatch.Requests;
using AgentDispatch.Storage;
using AgentDispatch.Testing;
using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace AgentDispatch.Core.Tests.Jobs;

/// <summary>
/// The poison envelope stays a queue message that can be written, and its original stays text: found by
/// the generated queue messages (a request of 1,500 unknown fields was retried five times, because its
/// envelope named each and passed 64 KiB; a long one cut inside a surrogate pair ended in U+FFFD).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PoisonQueueTests(AzuriteCollectionFixture azurite)
{
    [Fact]
    public async Task AnOriginalCutAtASurrogatePair_KeepsThePairWhole_AndStaysThePrefixOfTheOriginal()
    {
        var (poison, queue) = Poison();
        var original = new string('a', PoisonQueue.MaxOriginalChars - 1) + "😀" + new string('b', 100);

        await poison.SendAsync(queue, "msg-1", 1, original, "not a dispatch request", null, CancellationToken.None);

        var held = (string)(await ReadAsync(queue))["originalMessage"]!;
        var cut = held.IndexOf("... [cut:", StringComparison.Ordinal);
        Assert.Equal(PoisonQueue.MaxOriginalChars - 1, cut);
        Assert.StartsWith(held[..cut], original, StringComparison.Ordinal);
        Assert.DoesNotContain('\uFFFD', held);
    }

    [Fact]
    public async Task ManyBadFields_AreNamedUpToTheLimit_AndTheEnvelopeIsWritten()
    {
        var (poison, queue) = Poison();
        var errors = new RequestErrors();
        for (var i = 0; i < 1_500; i++)
        {
            errors.Add("k" + i, "is not a known field; known fields are meetingId, agentId, metadata, versionId, dispatchAt, notAfter, idempotencyKey, correlationId, callbackUrl.");
        }

        await poison.SendAsync(queue, "msg-2", 1, "{}", "not a dispatch request: " + errors, errors.ToDictionary(), CancellationToken.None);

        var envelope = await ReadAsync(queue);
        var named = envelope["errors"]!.AsObject();
        Assert.Equal(RequestErrors.MaxFields + 1, named.Count);
        Assert.NotNull(named["k0"]);
        Assert.Contains("1480 more problem(s)", (string)named[RequestErrors.MoreField]![0]!, StringComparison.Ordinal);
    }

    private (PoisonQueue Poison, string Queue) Poison()
    {
        var connection = azurite.Fixture.ConnectionString;
        var clients = new StorageClients(new QueueServiceClient(connection), new TableServiceClient(connection));
        return (new PoisonQueue(clients, TimeProvider.System), AzuriteFixture.UniqueName("poisontest"));
    }

    private async Task<JsonObject> ReadAsync(string queue)
    {
        var client = new QueueClient(azurite.Fixture.ConnectionString, queue + "-poison");
        var message = Assert.Single((await client.ReceiveMessagesAsync(32)).Value);
        return JsonNode.Parse(message.Body.ToString())!.AsObject();
    }
}
