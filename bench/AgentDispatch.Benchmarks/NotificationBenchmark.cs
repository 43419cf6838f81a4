using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.Testing.Webhooks;
using AgentDispatch.VideoSdkEmulator;

namespace AgentDispatch.Benchmarks;

/// <summary>
/// Status events: jobs for now through <c>POST /api/dispatches</c>, each one's changes (dispatching,
/// assigned) queued to a loopback subscriber that verifies every signature with the Standard Webhooks
/// reference library. Measured: from the change written in the ledger (the event's <c>timestamp</c>, the
/// job's <c>updatedAt</c>) to the subscriber receiving it, on one machine and one clock; once with a
/// subscriber that answers at once, once with one that fails 30% of deliveries.
/// </summary>
public static class NotificationBenchmark
{
    public static async Task RunAsync(BenchmarkRig rig, BenchmarkSettings settings, Report report)
    {
        var n = settings.ConfirmedJobs;
        foreach (var failureRate in new[] { 0.0, 0.3 })
        {
            Console.WriteLine($"Status events, subscriber failing {failureRate:P0}: {n} dispatches ...");
            await using var emulator = await VideoSdkEmulatorApp.StartAsync(new EmulatorOptions());
            await using var subscriber = await StandardWebhookSubscriber.StartAsync(seed: 7);
            subscriber.Mode = failureRate > 0 ? SubscriberMode.FailSome : SubscriberMode.Normal;
            subscriber.FailureRate = failureRate;
            subscriber.RetryAfterSeconds = 1;
            var devHost = await rig.StartDevHostAsync(
                emulator.BaseAddress,
                "--Notifications:AllowPrivateNetworks=true",
                "--Notifications:RetryBaseDelay=00:00:01",
                "--Notifications:RetryMaxDelay=00:00:05",
                $"--Notifications:Subscribers:0:Url={subscriber.Url}",
                $"--Notifications:Subscribers:0:Secret={subscriber.Secret}");
            try
            {
                var app = new Uri(devHost.Urls.First().TrimEnd('/') + "/");
                await DispatchAsync(app, "ntf-warm", 8);
                await subscriber.WaitForAsync(d => Delivered(d).Count >= 16, TimeSpan.FromMinutes(2));
                var prefix = FormattableString.Invariant($"ntf-{failureRate:0.0}");
                await DispatchAsync(app, prefix, n);
                var expected = 2 * (n + 8);
                var all = await subscriber.WaitForAsync(d => Delivered(d).Count >= expected, TimeSpan.FromMinutes(5));
                // The measured jobs' deliveries only: warm-up events retried late are left out.
                var ofRun = all.Where(d => ((string?)JsonNode.Parse(d.BodyText)?["data"]?["meetingId"])?.StartsWith(prefix, StringComparison.Ordinal) == true).ToList();
                var measured = ofRun.Where(d => d.Status == 200 && d.Verified).ToList();
                var latencies = measured
                    .Select(d => (d.ReceivedAt - DateTimeOffset.Parse((string)JsonNode.Parse(d.BodyText)!["timestamp"]!, CultureInfo.InvariantCulture)).TotalMilliseconds)
                    .Order()
                    .ToArray();
                double P(double p) => latencies.Length == 0 ? double.NaN : latencies[(int)Math.Min(latencies.Length - 1, Math.Floor(p * latencies.Length))];
                report.Row(
                    $"status event: change written → subscriber, failing {failureRate:P0}: p50 / p99 ms ({Delivered(ofRun).Count} of {2 * n} events, {ofRun.Count} attempts, {ofRun.Count(d => !d.Verified)} unverified)",
                    "",
                    $"{Report.N(P(0.5))} / {Report.N(P(0.99))}",
                    "",
                    failureRate == 0 ? "p99 ≤ 2000" : "every event delivered");
            }
            finally
            {
                await devHost.StopAsync();
                await devHost.DisposeAsync();
            }
        }

        report.Note("Status events: one subscriber on loopback verifying every delivery with the StandardWebhooks package; retries back off from 1 s (`Notifications:RetryBaseDelay`) and honour the failing subscriber's `Retry-After: 1`; the queue trigger polls at most every second (`host.json` `maxPollingInterval`).");
    }

    /// <summary>Distinct events the subscriber accepted.</summary>
    private static HashSet<string?> Delivered(IReadOnlyList<SubscriberDelivery> deliveries) => deliveries.Where(d => d.Status == 200 && d.Verified).Select(d => d.WebhookId).ToHashSet();

    private static async Task DispatchAsync(Uri app, string prefix, int n)
    {
        using var client = new HttpClient { BaseAddress = app };
        await Parallel.ForEachAsync(Enumerable.Range(0, n), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, ct) =>
        {
            using var response = await client.PostAsync(
                "api/dispatches",
                new StringContent($$"""{"meetingId":"{{prefix}}-{{i}}","agentId":"bench-agent"}""", Encoding.UTF8, "application/json"),
                ct);
            response.EnsureSuccessStatusCode();
        });
    }
}
