using AgentDispatch.Core.Tests.Jobs;
using AgentDispatch.Dispatch;
using AgentDispatch.Jobs;
using AgentDispatch.Notifications;
using AgentDispatch.Storage;
using AgentDispatch.Testing;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Http;

namespace AgentDispatch.Core.Tests.Notifications;

/// <summary>
/// One queued delivery, handed to the deliverer as the queue trigger does, against a loopback subscriber
/// on Azurite: delivered, queued again hidden, or kept in the dead-letter table, and sent again from there.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class NotificationDelivererTests(AzuriteCollectionFixture azurite)
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private sealed record Rig(JobsHarness Harness, LoopbackServer Subscriber, QueueClient Queue) : IAsyncDisposable
    {
        public NotificationDeliverer Deliverer => Harness.Services.Get<NotificationDeliverer>();

        public NotificationFailures Failures => Harness.Services.Get<NotificationFailures>();

        public async ValueTask DisposeAsync()
        {
            await Harness.DisposeAsync();
            await Subscriber.DisposeAsync();
        }

        /// <summary>Takes every visible delivery off the queue (as the trigger would), oldest first.</summary>
        public async Task<List<NotificationMessage>> TakeAsync()
        {
            var taken = new List<NotificationMessage>();
            foreach (var message in (await Queue.ReceiveMessagesAsync(32)).Value)
            {
                taken.Add(NotificationMessage.Read(message.Body.ToMemory())!);
                await Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }

            return taken;
        }

        /// <summary>Deliveries queued but hidden (waiting for a retry) as well as visible ones.</summary>
        public async Task<int> QueuedAsync() => (await Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
    }

    private static async Task<Rig> StartAsync(AzuriteFixture azurite, Func<HttpContext, ReceivedRequest, Task> answer, string retryFor = "1.00:00:00")
    {
        var subscriber = await LoopbackServer.StartAsync(answer);
        var queue = AzuriteFixture.UniqueName("notify");
        var harness = await JobsHarness.StartAsync(azurite, settings: new Dictionary<string, string?>
        {
            [QueueNames.NotificationsSetting] = queue,
            ["Notifications:AllowPrivateNetworks"] = "true",
            ["Notifications:FailedTable"] = AzuriteFixture.UniqueName("failed").Replace("-", "", StringComparison.Ordinal),
            ["Notifications:RetryFor"] = retryFor,
            ["Notifications:Subscribers:0:Name"] = "crm",
            ["Notifications:Subscribers:0:Url"] = new Uri(subscriber.BaseAddress, "hooks").AbsoluteUri,
            ["Notifications:Subscribers:0:Secret"] = Secret,
            ["Notifications:Subscribers:0:Events:0"] = "job.assigned",
        });
        return new Rig(harness, subscriber, harness.Services.Get<StorageClients>().Queues.GetQueueClient(queue));
    }

    private static async Task<NotificationMessage> AssignedEventAsync(Rig rig, string key)
    {
        await rig.Harness.Jobs.SubmitAsync(new DispatchJobRequest(new DispatchRequest("abcd-efgh-ijkl", "agent-1"), IdempotencyKey: key), JobSources.Http, CancellationToken.None);
        return Assert.Single(await rig.TakeAsync());
    }

    [Fact]
    public async Task A2xx_IsDelivered_WithTheEventsIdAndBody_AndNothingIsQueuedAgain()
    {
        await using var rig = await StartAsync(azurite.Fixture, LoopbackServer.Answer(204, null));
        var delivery = await AssignedEventAsync(rig, "deliver-1");

        await rig.Deliverer.DeliverAsync(delivery, CancellationToken.None);

        var received = Assert.Single(rig.Subscriber.Requests);
        Assert.Equal(delivery.EventId, received.Headers["webhook-id"]);
        Assert.Equal(delivery.Body, received.BodyText);
        Assert.StartsWith("v1,", received.Headers["webhook-signature"], StringComparison.Ordinal);
        Assert.Equal(0, await rig.QueuedAsync());
    }

    [Fact]
    public async Task A5xx_IsQueuedAgain_HiddenForTheBackoff_AsTheNextAttemptOfTheSameEvent()
    {
        await using var rig = await StartAsync(azurite.Fixture, LoopbackServer.Answer(503, null, ("Retry-After", "30")));
        var delivery = await AssignedEventAsync(rig, "deliver-2");

        await rig.Deliverer.DeliverAsync(delivery, CancellationToken.None);

        Assert.Single(rig.Subscriber.Requests);
        Assert.Equal(1, await rig.QueuedAsync());
        Assert.Empty(await rig.TakeAsync()); // hidden for at least the subscriber's 30 s
        Assert.Empty((await rig.Failures.ListAsync(10, null, CancellationToken.None))!.Items);
    }

    [Fact]
    public async Task RetryAfter_IsTheLeastWait_AndTheBackoffDoublesUpToItsCap()
    {
        await using var rig = await StartAsync(azurite.Fixture, LoopbackServer.Answer(200, null));
        var o = new NotificationsOptions { RetryBaseDelay = TimeSpan.FromSeconds(5), RetryMaxDelay = TimeSpan.FromMinutes(1) };

        var first = rig.Deliverer.Backoff(0, null, o);
        var fourth = rig.Deliverer.Backoff(3, null, o);
        var late = rig.Deliverer.Backoff(20, null, o);
        var asked = rig.Deliverer.Backoff(0, TimeSpan.FromMinutes(10), o);

        Assert.InRange(first, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(5));
        Assert.InRange(fourth, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(40));
        Assert.InRange(late, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));
        Assert.Equal(TimeSpan.FromMinutes(10), asked);
    }

    [Fact]
    public async Task PastRetryFor_TheDeliveryIsDeadLettered_Listed_AndARetrySendsTheSameEventAgain()
    {
        var failing = true;
        await using var rig = await StartAsync(
            azurite.Fixture,
            async (context, _) => { context.Response.StatusCode = failing ? 500 : 200; await context.Response.CompleteAsync(); },
            retryFor: "00:00:01");
        var delivery = await AssignedEventAsync(rig, "deliver-3");

        await rig.Deliverer.DeliverAsync(delivery with { FirstAttemptAt = delivery.FirstAttemptAt.AddMinutes(-5), Attempt = 6 }, CancellationToken.None);

        Assert.Equal(0, await rig.QueuedAsync());
        var failed = Assert.Single((await rig.Failures.ListAsync(10, null, CancellationToken.None))!.Items);
        Assert.Equal((delivery.DeliveryId, delivery.EventId, "crm", "job.assigned", 7, 500), (failed.Id, failed.EventId, failed.To, failed.Type, failed.Attempts, failed.LastStatus));
        Assert.Contains("Notifications:RetryFor", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(1, (await rig.Failures.ReadAsync(CancellationToken.None)).Failed);

        failing = false;
        var again = await rig.Failures.RetryAsync(failed.Id, DateTimeOffset.UtcNow, CancellationToken.None);
        var requeued = Assert.Single(await rig.TakeAsync());
        await rig.Deliverer.DeliverAsync(requeued, CancellationToken.None);

        Assert.Equal((delivery.EventId, delivery.Body, 0), (again!.EventId, requeued.Body, requeued.Attempt));
        Assert.Equal([delivery.EventId, delivery.EventId], rig.Subscriber.Requests.Select(r => r.Headers["webhook-id"]));
        Assert.Empty((await rig.Failures.ListAsync(10, null, CancellationToken.None))!.Items);
        Assert.Null(await rig.Failures.RetryAsync(failed.Id, DateTimeOffset.UtcNow, CancellationToken.None));
    }

    [Fact]
    public async Task A410_StopsAtOnce_AndIsDeadLetteredWithTheReason()
    {
        await using var rig = await StartAsync(azurite.Fixture, LoopbackServer.Answer(410, null));
        var delivery = await AssignedEventAsync(rig, "deliver-4");

        await rig.Deliverer.DeliverAsync(delivery, CancellationToken.None);

        Assert.Equal(0, await rig.QueuedAsync());
        var failed = Assert.Single((await rig.Failures.ListAsync(10, null, CancellationToken.None))!.Items);
        Assert.Equal(410, failed.LastStatus);
        Assert.Contains("410", failed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADeliveryForASubscriberNoLongerConfigured_IsDeadLettered_NotSentAnywhere()
    {
        await using var rig = await StartAsync(azurite.Fixture, LoopbackServer.Answer(200, null));
        var delivery = await AssignedEventAsync(rig, "deliver-5");

        await rig.Deliverer.DeliverAsync(delivery with { To = "gone-away" }, CancellationToken.None);

        Assert.Empty(rig.Subscriber.Requests);
        var failed = Assert.Single((await rig.Failures.ListAsync(10, null, CancellationToken.None))!.Items);
        Assert.Contains("no subscriber is named 'gone-away'", failed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedDeliveries_ArePagedWithACursor_AndAForeignCursorIsRefused()
    {
        await using var rig = await StartAsync(azurite.Fixture, LoopbackServer.Answer(410, null));
        foreach (var key in new[] { "page-1", "page-2", "page-3" })
        {
            await rig.Deliverer.DeliverAsync(await AssignedEventAsync(rig, key), CancellationToken.None);
        }

        var first = (await rig.Failures.ListAsync(2, null, CancellationToken.None))!;
        var second = (await rig.Failures.ListAsync(2, first.Next, CancellationToken.None))!;

        Assert.Equal(2, first.Items.Count);
        Assert.NotNull(first.Next);
        Assert.Single(second.Items);
        Assert.Equal(3, first.Items.Concat(second.Items).Select(f => f.Id).Distinct().Count());
        Assert.Null(await rig.Failures.ListAsync(2, "not base64url!", CancellationToken.None));
    }
}
