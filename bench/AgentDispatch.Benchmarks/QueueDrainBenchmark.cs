using System.Net.Http.Headers;
using System.Text;
using AgentDispatch.Testing;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

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
        var floor = new List<double>();
        var ours = new List<double>();
        floor.Add(await FloorAsync(rig, emulator, n));
        await emulator.ClearAsync();
        ours.Add(await OursAsync(rig, emulator, n));
        await emulator.ClearAsync();
        ours.Add(await OursAsync(rig, emulator, n));
        await emulator.ClearAsync();
        floor.Add(await FloorAsync(rig, emulator, n));

        report.Row(
            $"queue drain, {n:N0} requests x 2 runs each: messages/s (floor = receive + 1 ledger write + POST + delete)",
            $"{Report.N(floor.Average())} ({string.Join(", ", floor.Select(f => Report.N(f)))})",
            $"{Report.N(ours.Average())} ({string.Join(", ", ours.Select(o => Report.N(o)))})",
            Report.N(ours.Average() / floor.Average(), "F2"),
            "≥ 0.80");
    }

    private static async Task<double> OursAsync(BenchmarkRig rig, EmulatorProcess emulator, int n)
    {
        var queueName = AzuriteFixture.UniqueName("drain");
        var queue = new QueueClient(rig.Azurite.ConnectionString, queueName);
        await FillAsync(queue, n, "ours");
        var devHost = await rig.StartDevHostAsync(emulator.BaseAddress, $"--DISPATCH_REQUESTS_QUEUE={queueName}");
        try
        {
            return await RateAsync(emulator, n, TimeSpan.FromMinutes(5));
        }
        finally
        {
            await devHost.StopAsync();
            await devHost.DisposeAsync();
        }
    }

    private static async Task<double> FloorAsync(BenchmarkRig rig, EmulatorProcess emulator, int n)
    {
        var queue = new QueueClient(rig.Azurite.ConnectionString, AzuriteFixture.UniqueName("floor"));
        await FillAsync(queue, n, "floor");
        var table = new TableClient(rig.Azurite.ConnectionString, AzuriteFixture.UniqueName("floorledger"));
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
        return await RateAsync(emulator, n, TimeSpan.FromMinutes(1));
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
