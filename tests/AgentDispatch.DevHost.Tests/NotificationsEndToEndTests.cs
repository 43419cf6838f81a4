using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.Testing;
using AgentDispatch.Testing.Webhooks;

namespace AgentDispatch.DevHost.Tests;

/// <summary>
/// Status events through the dev host, its queue trigger and real loopback subscribers that verify every
/// signature with the Standard Webhooks reference library: nothing lost to a flaky or absent subscriber,
/// one <c>webhook-id</c> per event however often it is sent, and the dead letters an operator can send again.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class NotificationsEndToEndTests(StorageFixture storage)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    private Task<RunningDevHost> StartAsync(IReadOnlyList<(string Name, StandardWebhookSubscriber Subscriber)> subscribers, params string[] extra)
    {
        var args = new List<string>
        {
            $"--DISPATCH_REQUESTS_QUEUE={AzuriteFixture.UniqueName("requests")}",
            $"--DISPATCH_WAKE_QUEUE={AzuriteFixture.UniqueName("wake")}",
            $"--DISPATCH_NOTIFICATIONS_QUEUE={AzuriteFixture.UniqueName("notify")}",
            $"--Jobs:LedgerTable={AzuriteFixture.UniqueName("ledger")}",
            $"--Notifications:FailedTable={AzuriteFixture.UniqueName("failed").Replace("-", "", StringComparison.Ordinal)}",
            "--Notifications:RetryBaseDelay=00:00:01",
            "--Notifications:RetryMaxDelay=00:00:04",
            "--Emulator:JoinDelay=00:00:00.300",
        };
        for (var i = 0; i < subscribers.Count; i++)
        {
            args.Add($"--Notifications:Subscribers:{i}:Name={subscribers[i].Name}");
            args.Add($"--Notifications:Subscribers:{i}:Url={subscribers[i].Subscriber.Url}");
            args.Add($"--Notifications:Subscribers:{i}:Secret={subscribers[i].Subscriber.Secret}");
        }

        return RunningDevHost.StartAsync(storage, [.. args, .. extra]);
    }

    private static async Task<string> DispatchAsync(RunningDevHost host, string meetingId, string? callbackUrl = null)
    {
        var callback = callbackUrl is null ? "" : $$""","callbackUrl":"{{callbackUrl}}" """;
        using var response = await host.Client.PostAsync(
            "api/dispatches", new StringContent($$"""{"meetingId":"{{meetingId}}","agentId":"MyAgent"{{callback}}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!;
    }

    private static Task<JsonNode> FinalAsync(RunningDevHost host, string id) => host.WaitForJobAsync(id, Deadline, "joined", "not-joined", "failed");

    /// <summary>(job id, sequence) of each delivery the subscriber accepted.</summary>
    private static HashSet<(string Job, int Sequence)> Accepted(IEnumerable<SubscriberDelivery> deliveries)
        => deliveries.Where(d => d.Status == 200).Select(Event).ToHashSet();

    private static (string Job, int Sequence) Event(SubscriberDelivery delivery)
    {
        var data = JsonNode.Parse(delivery.BodyText)!["data"]!;
        return ((string)data["id"]!, (int)data["sequence"]!);
    }

    [Fact]
    public async Task SteadyFlakyAndDownForAMinute_EverySubscriberGetsEveryEvent_AndEveryRepeatCarriesTheSameId()
    {
        await using var steady = await StandardWebhookSubscriber.StartAsync(seed: 1);
        await using var flaky = await StandardWebhookSubscriber.StartAsync(seed: 2);
        await using var down = await StandardWebhookSubscriber.StartAsync(seed: 3);
        flaky.Mode = SubscriberMode.FailSome;
        flaky.FailureRate = 0.3;
        await down.TakeDownAsync();
        var wentDown = DateTime.UtcNow;
        await using var host = await StartAsync([("steady", steady), ("flaky", flaky), ("down", down)]);

        var ids = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            ids.Add(await DispatchAsync(host, $"ntf-room-{i}"));
        }

        var expected = new HashSet<(string, int)>();
        foreach (var id in ids)
        {
            var job = await FinalAsync(host, id);
            Assert.Equal("joined", (string?)job["state"]);
            for (var sequence = 1; sequence <= (int)job["sequence"]!; sequence++)
            {
                expected.Add((id, sequence));
            }
        }

        var downFor = TimeSpan.FromMinutes(1) - (DateTime.UtcNow - wentDown);
        if (downFor > TimeSpan.Zero)
        {
            await Task.Delay(downFor);
        }

        await down.BringUpAsync();
        foreach (var subscriber in new[] { steady, flaky, down })
        {
            await subscriber.WaitForAsync(d => expected.IsSubsetOf(Accepted(d)), Deadline);
        }

        Assert.Equal(3 * ids.Count, expected.Count); // dispatching, assigned, joined
        foreach (var (name, subscriber) in new[] { ("steady", steady), ("flaky", flaky), ("down", down) })
        {
            var deliveries = subscriber.Deliveries;
            Assert.All(deliveries, d => Assert.True(d.Verified, $"{name}: {d.VerificationError}"));
            Assert.Equal(expected, Accepted(deliveries)); // 0 lost, nothing extra
            foreach (var repeats in deliveries.GroupBy(Event))
            {
                Assert.Single(repeats.Select(d => d.WebhookId).Distinct());
            }

            Assert.Equal(expected.Count, deliveries.Select(d => d.WebhookId).Distinct().Count());
        }

        Assert.True(flaky.Deliveries.Count > expected.Count, "the flaky subscriber failed no delivery: the test proved nothing about retries");
        Assert.Empty(await FailedAsync(host));
    }

    [Fact]
    public async Task AGoneSubscriber_IsDeadLettered_Listed_AndARetryThroughTheApiDeliversTheSameEvent()
    {
        await using var subscriber = await StandardWebhookSubscriber.StartAsync(seed: 4);
        subscriber.Mode = SubscriberMode.Gone;
        await using var host = await StartAsync([("crm", subscriber)], "--Notifications:Subscribers:0:Events:0=job.joined");

        var id = await DispatchAsync(host, "ntf-gone-room");
        Assert.Equal("joined", (string?)(await FinalAsync(host, id))["state"]);
        var failed = await WaitForFailedAsync(host);
        var item = Assert.Single(failed)!;
        Assert.Equal(("crm", "job.joined", 410), ((string?)item["to"], (string?)item["type"], (int?)item["lastStatus"]));

        subscriber.Mode = SubscriberMode.Normal;
        using var retry = await host.Client.PostAsync($"api/notifications/{(string)item["id"]!}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        var delivered = await subscriber.WaitForAsync(d => d.Any(x => x.Status == 200), Deadline);

        Assert.Equal([(string)item["eventId"]!], delivered.Select(d => d.WebhookId).Distinct());
        Assert.Empty(await FailedAsync(host));
        using var again = await host.Client.PostAsync($"api/notifications/{(string)item["id"]!}/retry", null);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task ACallbackUrl_GetsTheJobsEvents_AndOneTheRulesRefuse_Is400NamingTheField()
    {
        await using var callback = await StandardWebhookSubscriber.StartAsync(seed: 5);
        await using var host = await StartAsync([], $"--Notifications:CallbackSecret={callback.Secret}");

        var id = await DispatchAsync(host, "ntf-callback-room", callback.Url.AbsoluteUri);
        var job = await FinalAsync(host, id);
        var delivered = await callback.WaitForAsync(d => d.Count(x => x.Status == 200) >= (int)job["sequence"]!, Deadline);
        using var refused = await host.Client.PostAsync(
            "api/dispatches", new StringContent("""{"meetingId":"ntf-callback-2","agentId":"MyAgent","callbackUrl":"http://example.com/hook"}""", Encoding.UTF8, "application/json"));
        var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;

        Assert.All(delivered, d => Assert.True(d.Verified, d.VerificationError));
        Assert.Equal(["job.dispatching", "job.assigned", "job.joined"], delivered.OrderBy(d => Event(d).Sequence).Select(d => (string?)JsonNode.Parse(d.BodyText)!["type"]));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(problem["errors"]!["callbackUrl"]);
        Assert.DoesNotContain("callbackUrl", await host.Client.GetStringAsync($"api/dispatches/{id}"), StringComparison.Ordinal);
    }

    private static async Task<JsonArray> FailedAsync(RunningDevHost host)
        => JsonNode.Parse(await host.Client.GetStringAsync("api/notifications/failed"))!["items"]!.AsArray();

    private static async Task<JsonArray> WaitForFailedAsync(RunningDevHost host)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            var failed = await FailedAsync(host);
            if (failed.Count > 0 || DateTime.UtcNow - started > Deadline)
            {
                return failed;
            }

            await Task.Delay(200);
        }
    }
}
