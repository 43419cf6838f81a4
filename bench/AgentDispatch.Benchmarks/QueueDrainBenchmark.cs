using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using AgentDispatch.Testing;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.DependencyInjection;

namespace AgentDispatch.Benchmarks;

/// <summary>
/// Drains queued dispatch requests through the real queue-trigger path (dev host runner, ledger,
/// VideoSDK client, emulator) and, as the floor, through a bare loop doing only the I/O no design
/// can avoid for each message: receive, one ledger write, the POST, delete. Both at the same
/// concurrency as the Functions host (batch 16, next batch at 8 left), timed by the emulator.
/// </summary>
public static class QueueDrainBenchmark
{
    private const int BatchSize = 16;
    private const int NewBatchThreshold = 8;

    public static async Task RunAsync(BenchmarkRig rig, BenchmarkSettings settings, Report report)
    {
        var n = settings.QueueMessages;
        Console.WriteLine($"Queue drain: {n} requests through the trigger path vs a bare I/O loop ...");
        await using var emulator = await EmulatorProcess.StartAsync(TimeSpan.Zero, maxRecords: n + 100);

        // Floor, ours, ours, floor: Azurite slows as it fills, so each side gets an early and a late run.
        // Every storage request either side sends is counted, so a gap in rate can be read against a gap in work.
        var floor = new List<Run>();
        var ours = new List<Run>();
        floor.Add(await FloorAsync(rig, emulator, n));
        await emulator.ClearAsync();
        ours.Add(await OursAsync(rig, emulator, n));
        await emulator.ClearAsync();
        ours.Add(await OursAsync(rig, emulator, n));
        await emulator.ClearAsync();
        floor.Add(await FloorAsync(rig, emulator, n));
        var floorRate = floor.Average(r => r.PerSecond);
        var oursRate = ours.Average(r => r.PerSecond);

        report.Row(
            $"queue drain, {n:N0} requests x 2 runs each: messages/s (floor = receive + 1 ledger write + POST + delete)",
            $"{Report.N(floorRate)} ({string.Join(", ", floor.Select(f => Report.N(f.PerSecond)))})",
            $"{Report.N(oursRate)} ({string.Join(", ", ours.Select(o => Report.N(o.PerSecond)))})",
            Report.N(oursRate / floorRate, "F2"),
            "≥ 0.80");
        report.Row(
            $"queue drain: storage requests per message, each run, the trigger's own receive and delete not included (ours, first run: {ours[0].Requests.Describe()})",
            string.Join(", ", floor.Select(f => Report.N(f.PerMessage, "F1"))),
            string.Join(", ", ours.Select(o => Report.N(o.PerMessage, "F1"))),
            Report.N(ours.Average(o => o.PerMessage) / floor.Average(f => f.PerMessage), "F2"),
            "(reported)");
    }

    /// <summary>One drain: its rate, and every storage request it sent (queue polling included).</summary>
    private sealed record Run(double PerSecond, StorageRequestTally Requests, int Messages)
    {
        public double PerMessage => (double)Requests.Total / Messages;
    }

    private static async Task<Run> OursAsync(BenchmarkRig rig, EmulatorProcess emulator, int n)
    {
        var queueName = AzuriteFixture.UniqueName("drain");
        var queue = new QueueClient(rig.Azurite.ConnectionString, queueName);
        await FillAsync(queue, n, "ours");
        await AzuriteQueueSweepAsync(rig.Azurite.ConnectionString, queueName);
        var ledger = AzuriteFixture.UniqueName("ledger");
        var counter = new StorageRequestCounter(new Dictionary<string, string> { [queueName] = "requests", [ledger] = "ledger" });
        var tally = new StorageRequestTally();
        var devHost = await rig.StartDevHostAsync(
            emulator.BaseAddress,
            services => services.AddSingleton(counter.CreateClients(rig.Azurite.ConnectionString)),
            null,
            $"--DISPATCH_REQUESTS_QUEUE={queueName}",
            $"--Jobs:LedgerTable={ledger}");
        try
        {
            double rate;
            using (counter.CountingEverything(tally))
            {
                rate = await RateAsync(emulator, n, TimeSpan.FromMinutes(5));
            }

            return new Run(rate, tally, n);
        }
        finally
        {
            await devHost.StopAsync();
            await devHost.DisposeAsync();
        }
    }

    private static async Task<Run> FloorAsync(BenchmarkRig rig, EmulatorProcess emulator, int n)
    {
        var queueName = AzuriteFixture.UniqueName("floor");
        await FillAsync(new QueueClient(rig.Azurite.ConnectionString, queueName), n, "floor");
        await AzuriteQueueSweepAsync(rig.Azurite.ConnectionString, queueName);
        var counter = new StorageRequestCounter(new Dictionary<string, string> { [queueName] = "requests" });
        var tally = new StorageRequestTally();
        using var counting = counter.CountingEverything(tally);
        var clients = counter.CreateClients(rig.Azurite.ConnectionString);
        var queue = clients.Queues.GetQueueClient(queueName);
        var table = clients.Tables.GetTableClient(AzuriteFixture.UniqueName("floorledger"));
        await table.CreateIfNotExistsAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };

        using var slots = new SemaphoreSlim(BatchSize + NewBatchThreshold);
        var inFlight = new List<Task>();
        var processed = 0;
        while (Volatile.Read(ref processed) < n)
        {
            // Like the host: fetch another batch when no more than newBatchThreshold are in hand.
            while (slots.CurrentCount < BatchSize)
            {
                await Task.Delay(1);
            }

            var messages = (await queue.ReceiveMessagesAsync(BatchSize, TimeSpan.FromMinutes(5))).Value;
            if (messages.Length == 0)
            {
                await Task.Delay(20);
                inFlight.RemoveAll(t => t.IsCompleted);
                continue;
            }

            foreach (var message in messages)
            {
                await slots.WaitAsync();
                inFlight.Add(Task.Run(async () =>
                {
                    try
                    {
                        await ProcessBareAsync(message, queue, table, http);
                        Interlocked.Increment(ref processed);
                    }
                    finally
                    {
                        slots.Release();
                    }
                }));
            }
        }

        await Task.WhenAll(inFlight);
        return new Run(await RateAsync(emulator, n, TimeSpan.FromMinutes(1)), tally, n);
    }

    private static async Task ProcessBareAsync(QueueMessage message, QueueClient queue, TableClient table, HttpClient http)
    {
        await table.AddEntityAsync(new TableEntity(message.MessageId, "job") { ["Body"] = message.Body.ToString(), ["State"] = "Assigned" });
        using var request = new HttpRequestMessage(HttpMethod.Post, "v2/agent/dispatch") { Content = new ByteArrayContent(message.Body.ToArray()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("Authorization", BenchmarkRig.Token);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
    }

    /// <summary>
    /// Waits out Azurite's next sweep of deleted queue messages. Every minute it frees the bodies of the
    /// messages deleted since the last, one at a time at a cost that grows with how many there are, and
    /// answers nothing meanwhile: after a run of 2,000 messages that is 30 s to over a minute with no
    /// answer to anyone. A drain that straddles it measures the stall, not the path (the earlier report's
    /// second run, 21 messages/s). So each run starts just after a sweep: seen as one request that takes
    /// over a second, or none within 70 s (nothing was left to sweep).
    /// </summary>
    private static async Task AzuriteQueueSweepAsync(string connectionString, string queueName)
    {
        var options = new QueueClientOptions();
        options.Retry.NetworkTimeout = TimeSpan.FromMinutes(5);
        var probe = new QueueClient(connectionString, queueName, options);
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(70))
        {
            var call = Stopwatch.StartNew();
            await probe.GetPropertiesAsync();
            if (call.Elapsed > TimeSpan.FromSeconds(1))
            {
                Console.WriteLine($"  Azurite swept its deleted queue messages: no answer for {call.Elapsed.TotalSeconds:F0} s, {waited.Elapsed.TotalSeconds:F0} s into the wait");
                return;
            }

            await Task.Delay(100);
        }

        Console.WriteLine("  no Azurite queue sweep within 70 s: nothing was left to sweep");
    }

    private static async Task FillAsync(QueueClient queue, int n, string prefix)
    {
        await queue.CreateIfNotExistsAsync();
        await Parallel.ForEachAsync(Enumerable.Range(0, n), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await queue.SendMessageAsync($$"""{"meetingId":"{{prefix}}-{{i}}","agentId":"bench-agent"}""", ct));
    }

    /// <summary>Messages per second between the first and the last dispatch the emulator received.</summary>
    private static async Task<double> RateAsync(EmulatorProcess emulator, int n, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        IReadOnlyList<ReceivedDispatch> received;
        while ((received = await emulator.GetDispatchesAsync()).Count < n)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Only {received.Count} of {n} dispatches arrived within {timeout.TotalMinutes} minutes.");
            }

            await Task.Delay(500);
        }

        if (received.Select(r => r.MeetingId).Distinct().Count() != received.Count)
        {
            throw new InvalidOperationException("A request was dispatched twice.");
        }

        var span = received.Max(r => r.ReceivedAt) - received.Min(r => r.ReceivedAt);
        return (n - 1) / span.TotalSeconds;
    }
}
