using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.Reliability.Tests.Hostile;
using AgentDispatch.Testing.Properties;
using Azure;
using Azure.Storage.Queues;
using CsCheck;
using Xunit.Abstractions;

namespace AgentDispatch.Reliability.Tests.Generated;

/// <summary>
/// Generated messages on both queues of one hostile dev host. Every message is taken once: poisoned at
/// its first delivery with a reason and the original text, or consumed; none is retried or left behind.
/// A consumed dispatch request made a job for a meeting it names, a valid one is never poisoned, and no
/// wake-up adds a job or changes the sentinel's.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class GeneratedQueueTests(StorageFixture storage, ITestOutputHelper output)
{
    private const int CiRequests = 300;

    private const int CiWakeUps = 150;

    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task GeneratedMessages_AreEachPoisonedWithAReasonOrConsumed_AndStoreOnlyWhatTheyName()
    {
        await using var host = await HostileHost.StartAsync(storage);
        using var probe = new Probe(host, output);
        var now = DateTimeOffset.UtcNow;
        var sentinelId = await probe.StoreJobAsync("sentinel", "sent-inel-0001");
        var sentinels = (await probe.LedgerAsync()).Keys.ToList();

        // Wake-ups first, while no job is due: none may add a job or touch the sentinel.
        var before = await probe.LedgerAsync();
        var wakeUps = Generate(WakeUps(now, sentinelId), PropertyRun.Cases(CiWakeUps));
        var woken = await SendAndDrainAsync(probe, host.WakeQueue, wakeUps);
        Probe.CheckUnchanged("the generated wake-ups", before, await probe.LedgerAsync(), sentinels);

        // Sent with every character past ASCII escaped (GenJson.Write(ascii: true)): Azurite joins a request body's
        // chunks as strings one at a time, so a character whose UTF-8 bytes straddle two arrived as U+FFFD (an emoji
        // as three of them) and the message was not what was sent. The app reads the same strings either way.
        var generated = Generate(GeneratedApiTests.Create(now, "", cloudEvent: false, ascii: true), PropertyRun.Cases(CiRequests) * 3 / 4)
            .Concat(Generate(GeneratedApiTests.Create(now, "", cloudEvent: true, ascii: true), PropertyRun.Cases(CiRequests) / 4))
            .Where(r => r.IdempotencyHeader is null)
            .ToList();

        // Messages are taken in no set order: a valid request is one whose key no other message of the batch uses.
        var uses = generated.GroupBy(r => r.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var requests = generated.Select(r => (Text: Encoding.UTF8.GetString(r.Body!), Valid: r.Valid && uses[r.Key] == 1)).ToList();
        before = await probe.LedgerAsync();
        var taken = await SendAndDrainAsync(probe, host.RequestsQueue, [.. requests.Select(r => r.Text)]);
        var after = await probe.LedgerAsync();

        // Every job the batch added is for a meeting id some consumed message named; every consumed message named one that has a job.
        var consumed = taken.Where(t => t.Poison is null).Select(t => t.Text).ToList();
        Probe.CheckStored("the generated dispatch requests", before, after, string.Join("\n", consumed));
        var meetings = after.Values.Where(r => r.IsJob && r.MeetingId is not null).Select(r => r.MeetingId!).ToHashSet(StringComparer.Ordinal);
        var jobless = consumed.Where(text => !meetings.Any(m => text.Contains("\"" + m + "\"", StringComparison.Ordinal))).ToList();
        Assert.True(jobless.Count == 0, $"{jobless.Count} consumed request(s) made no job, the first: {Delivery.Printable(jobless.FirstOrDefault() ?? "")}");
        var validPoisoned = requests.Where(r => r.Valid).Select(r => r.Text).Intersect(taken.Where(t => t.Poison is not null).Select(t => t.Text), StringComparer.Ordinal).ToList();
        Assert.True(validPoisoned.Count == 0, $"{validPoisoned.Count} valid request(s) were poisoned, the first: {validPoisoned.FirstOrDefault()}");
        Probe.CheckUnchanged("the generated dispatch requests (sentinel)", before, after, sentinels, jobsMayBeAdded: true);

        output.WriteLine($"queue DISPATCH_WAKE_QUEUE: {woken.Count} generated messages, {woken.Count(w => w.Poison is not null)} poisoned with a reason, {woken.Count(w => w.Poison is null)} consumed, 0 retried");
        output.WriteLine($"queue DISPATCH_REQUESTS_QUEUE: {taken.Count} generated messages, {taken.Count(t => t.Poison is not null)} poisoned with a reason, {consumed.Count} consumed (each made its job; {requests.Count(r => r.Valid)} valid), 0 retried");
        output.WriteLine($"messages no Azure client can send (characters XML 1.0 cannot hold, or over 64 KiB), left out: {wakeUps.Length - woken.Count + requests.Count - taken.Count}");
        await probe.CheckHealthyAsync();
        probe.CheckNoUnhandledExceptions();
    }

    /// <summary>Where a poison envelope's text first differs from the message sent, shown around that place.</summary>
    private static string Difference(string sent, string held)
    {
        var at = 0;
        while (at < sent.Length && at < held.Length && sent[at] == held[at])
        {
            at++;
        }

        string Around(string text) => Delivery.Printable(text.Substring(Math.Max(0, at - 20), Math.Min(60, text.Length - Math.Max(0, at - 20))));
        return $"sent {sent.Length} characters, the envelope holds {held.Length}; they differ from character {at}: sent …{Around(sent)}…, held …{Around(held)}…";
    }

    private static T[] Generate<T>(Gen<T> gen, int count) => [.. Enumerable.Range(0, count).Select(i => PropertyRun.Case(gen, i).Value)];

    /// <summary>A wake-up whose id looks like the sentinel's or is any text, due at any time, as a message is mutated.</summary>
    private static Gen<string> WakeUps(DateTimeOffset now, string sentinelId)
    {
        var ids = Gen.Frequency((6, HostileGen.LookAlike(sentinelId)), (2, HostileGen.Text), (2, Gen.String[Gen.Char.AlphaNumeric, 22, 22]));
        return Gen.Select(ids, HostileGen.Time(now), Mutation.Rate, (id, due, rate) => (id, due, rate))
            .SelectMany(d => Mutation.Of(new GenJson.Map([new("id", GenJson.Of(d.id)), new("due", GenJson.Of(d.due.Text))]), d.rate))
            .Select(tree => tree.Write(ascii: true));
    }

    /// <summary>What became of one message: its text, and its poison envelope if it was poisoned.</summary>
    private sealed record Taken(string Text, JsonObject? Poison);

    /// <summary>
    /// Sends each message, waits until the queue holds none (hidden ones included: a retried message is
    /// hidden between tries), then reads the poison queue. Each envelope must be a first delivery with
    /// a reason and the original text. Messages no Azure client can send are left out.
    /// </summary>
    private async Task<List<Taken>> SendAndDrainAsync(Probe probe, QueueClient queue, IReadOnlyList<string> messages)
    {
        var host = probe.Host;
        var sent = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var text in messages)
        {
            try
            {
                sent[(await queue.SendMessageAsync(text)).Value.MessageId] = text;
            }
            catch (Exception ex) when (ex is ArgumentException or System.Xml.XmlException || (ex is RequestFailedException { Status: 413 or 400 }))
            {
                // Not sendable by any Azure SDK client: XML cannot carry the text, or it is over the queue's 64 KiB.
            }
        }

        var deadline = DateTime.UtcNow + DrainTimeout;
        int left;
        while ((left = await HostileHost.CountAsync(queue)) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        if (left > 0)
        {
            var threwOn = sent.Where(m => host.Logs.Events.Any(e => e.Text.Contains(m.Key, StringComparison.Ordinal) && e.Text.Contains(" | exception: ", StringComparison.Ordinal))).Select(m => m.Value).FirstOrDefault();
            Assert.Fail($"{left} message(s) are still in {queue.Name} after {DrainTimeout.TotalSeconds:F0} s: they are being retried (the app threw) or were never taken; "
                        + $"the first exception logged: {probe.FirstException() ?? "(none)"}\nthe message it threw on: {Delivery.Printable(threwOn is null ? "(none)" : threwOn[..Math.Min(3000, threwOn.Length)])}");
        }

        var poison = host.PoisonOf(queue);
        var envelopes = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        if ((await poison.ExistsAsync()).Value)
        {
            while ((await poison.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value is { Length: > 0 } batch)
            {
                foreach (var message in batch)
                {
                    var envelope = JsonNode.Parse(message.Body.ToString())!.AsObject();
                    envelopes[envelope["messageId"]!.GetValue<string>()] = envelope;
                }
            }
        }

        var taken = new List<Taken>();
        foreach (var (id, text) in sent)
        {
            var envelope = envelopes.GetValueOrDefault(id);
            if (envelope is not null)
            {
                Assert.True(envelope["reason"]?.GetValue<string>() is { Length: > 0 }, $"a poison envelope has no reason: {envelope.ToJsonString()[..Math.Min(400, envelope.ToJsonString().Length)]}");
                Assert.True(envelope["dequeueCount"]?.GetValue<long>() == 1, $"a message was poisoned after {envelope["dequeueCount"]} deliveries, not at its first: {Delivery.Printable(text[..Math.Min(300, text.Length)])}");
                var original = envelope["originalMessage"]?.GetValue<string>() ?? "";
                var cut = original.IndexOf("... [cut:", StringComparison.Ordinal);
                Assert.True(original == text || (cut > 0 && text.StartsWith(original[..cut], StringComparison.Ordinal)), $"a poison envelope does not hold its original message: {Difference(text, original)}");
            }

            taken.Add(new Taken(text, envelope));
        }

        Assert.True(envelopes.Keys.All(sent.ContainsKey), $"{envelopes.Keys.Count(k => !sent.ContainsKey(k))} poison envelope(s) are for messages that were not sent");
        output.WriteLine($"{queue.Name}: drained in {(DrainTimeout - (deadline - DateTime.UtcNow)).TotalSeconds:F1} s");
        return taken;
    }
}
