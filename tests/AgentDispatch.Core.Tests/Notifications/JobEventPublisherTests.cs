using System.Text.Json;
using AgentDispatch.Core.Tests.Jobs;
using AgentDispatch.Dispatch;
using AgentDispatch.Jobs;
using AgentDispatch.Notifications;
using AgentDispatch.Storage;
using AgentDispatch.Testing;
using Azure.Storage.Queues;

namespace AgentDispatch.Core.Tests.Notifications;

/// <summary>
/// What the ledger's writes put on the notifications queue, on Azurite: one delivery per recipient for
/// every change of state, in sequence, carrying the job as the API shows it.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class JobEventPublisherTests(AzuriteCollectionFixture azurite)
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private static Dictionary<string, string?> Subscribers(string queue, params (string Name, string? Events)[] subscribers)
    {
        var settings = new Dictionary<string, string?> { [QueueNames.NotificationsSetting] = queue, ["Notifications:AllowPrivateNetworks"] = "true" };
        for (var i = 0; i < subscribers.Length; i++)
        {
            settings[$"Notifications:Subscribers:{i}:Name"] = subscribers[i].Name;
            settings[$"Notifications:Subscribers:{i}:Url"] = $"http://127.0.0.1:9/{subscribers[i].Name}";
            settings[$"Notifications:Subscribers:{i}:Secret"] = Secret;
            if (subscribers[i].Events is { } events)
            {
                settings[$"Notifications:Subscribers:{i}:Events:0"] = events;
            }
        }

        return settings;
    }

    private static async Task<List<NotificationMessage>> QueuedAsync(JobsHarness harness, string queue)
    {
        var client = harness.Services.Get<StorageClients>().Queues.GetQueueClient(queue);
        if (!(await client.ExistsAsync()).Value)
        {
            return [];
        }

        var messages = new List<NotificationMessage>();
        // Peek does not take messages; 32 is the most one call returns, more than any test here queues.
        foreach (var peeked in (await client.PeekMessagesAsync(32)).Value)
        {
            messages.Add(NotificationMessage.Read(peeked.Body.ToMemory()) ?? throw new InvalidOperationException("A queued delivery does not read back."));
        }

        return messages;
    }

    private static DispatchJobRequest Now(string key, string? callbackUrl = null)
        => new(new DispatchRequest("abcd-efgh-ijkl", "agent-1"), IdempotencyKey: key) { CallbackUrl = callbackUrl };

    [Fact]
    public async Task AJobDispatchedNow_QueuesDispatchingThenAssigned_InSequence_WithTheJobAsTheApiShowsIt()
    {
        var queue = AzuriteFixture.UniqueName("notify");
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Subscribers(queue, ("crm", null)));

        var job = (await harness.Jobs.SubmitAsync(Now("events-1"), JobSources.Http, CancellationToken.None)).Job!;

        var queued = await QueuedAsync(harness, queue);
        // Due now, the job is written already claimed: it is never "scheduled".
        Assert.Equal(["job.dispatching", "job.assigned"], queued.Select(m => m.Type));
        Assert.Equal([1, 2], queued.Select(m => m.Sequence));
        Assert.All(queued, m => Assert.Equal("crm", m.To));
        Assert.Equal(2, queued.Select(m => m.EventId).Distinct().Count());
        var last = JsonDocument.Parse(queued[^1].Body).RootElement;
        Assert.Equal("job.assigned", last.GetProperty("type").GetString());
        Assert.Equal(job.Id, last.GetProperty("data").GetProperty("id").GetString());
        Assert.Equal("assigned", last.GetProperty("data").GetProperty("state").GetString());
        Assert.Equal(2, last.GetProperty("data").GetProperty("sequence").GetInt32());
        Assert.Equal(2, (await harness.Ledger.GetAsync(job.Id, CancellationToken.None))!.Sequence);
    }

    [Fact]
    public async Task ASubscriberFilter_TakesOnlyItsTypes()
    {
        var queue = AzuriteFixture.UniqueName("notify");
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Subscribers(queue, ("all", null), ("outcomes", "job.assigned")));

        await harness.Jobs.SubmitAsync(Now("events-2"), JobSources.Http, CancellationToken.None);

        var queued = await QueuedAsync(harness, queue);
        Assert.Equal(["job.assigned"], queued.Where(m => m.To == "outcomes").Select(m => m.Type));
        Assert.Equal(2, queued.Count(m => m.To == "all"));
    }

    [Fact]
    public async Task MovingAndCancellingAScheduledJob_AreRescheduledAndCancelled_AndAWriteThatChangesNoStateIsNoEvent()
    {
        var queue = AzuriteFixture.UniqueName("notify");
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Subscribers(queue, ("crm", null)));
        var at = Instants.Ms(DateTimeOffset.UtcNow.AddHours(2));
        var job = (await harness.Jobs.SubmitAsync(new DispatchJobRequest(new DispatchRequest("abcd-efgh-ijkl", "agent-1"), at, null, "events-3"), JobSources.Http, CancellationToken.None)).Job!;

        await harness.Ledger.UpdateAsync(job.Id, j => j with { Attempts = j.Attempts + 1 }, CancellationToken.None);
        await harness.Jobs.RescheduleAsync(job.Id, at.AddHours(1), null, CancellationToken.None);
        await harness.Jobs.CancelAsync(job.Id, CancellationToken.None);

        var queued = await QueuedAsync(harness, queue);
        Assert.Equal(["job.scheduled", "job.rescheduled", "job.cancelled"], queued.Select(m => m.Type));
        Assert.Equal([1, 2, 3], queued.Select(m => m.Sequence));
    }

    [Fact]
    public async Task NoSubscriberAndNoCallback_QueuesNothing()
    {
        var queue = AzuriteFixture.UniqueName("notify");
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Subscribers(queue));

        var job = (await harness.Jobs.SubmitAsync(Now("events-4"), JobSources.Http, CancellationToken.None)).Job!;

        Assert.Equal(JobState.Assigned, job.State);
        Assert.Empty(await QueuedAsync(harness, queue));
    }

    [Fact]
    public async Task AJobsCallbackUrl_GetsEveryEvent_AsCallback_WithItsUrl()
    {
        var queue = AzuriteFixture.UniqueName("notify");
        var settings = Subscribers(queue);
        settings["Notifications:CallbackSecret"] = Secret;
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: settings);

        var job = (await harness.Jobs.SubmitAsync(Now("events-5", "http://127.0.0.1:9/cb?token=abc"), JobSources.Http, CancellationToken.None)).Job!;

        var queued = await QueuedAsync(harness, queue);
        Assert.Equal(2, queued.Count);
        Assert.All(queued, m => Assert.Equal((NotificationsOptions.CallbackName, "http://127.0.0.1:9/cb?token=abc"), (m.To, m.Url)));
        // The URL (and any token in it) stays the app's: the job as shown does not carry it.
        Assert.DoesNotContain("token=abc", queued[0].Body, StringComparison.Ordinal);
        Assert.Equal(job.Id, queued[0].JobId);
    }

    [Theory]
    [InlineData("http://10.0.0.7/hook")]
    [InlineData("http://example.com/hook")]
    [InlineData("https://169.254.169.254/latest")]
    public async Task ACallbackUrlTheRulesRefuse_IsRejected_NamingTheField_AndNoJobIsMade(string url)
    {
        var queue = AzuriteFixture.UniqueName("notify");
        var settings = Subscribers(queue);
        settings["Notifications:CallbackSecret"] = Secret;
        settings["Notifications:AllowPrivateNetworks"] = "false";
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: settings);

        var result = await harness.Jobs.SubmitAsync(Now("events-6" + url.Length, url), JobSources.Http, CancellationToken.None);

        Assert.Equal(SubmitStatus.Invalid, result.Status);
        Assert.True(result.Errors!.Has("callbackUrl"), result.Errors.ToString());
        Assert.Equal(0, harness.Dispatches);
    }

    [Fact]
    public async Task ACallbackUrl_WithNoSecretToSignIt_IsRejected()
    {
        var queue = AzuriteFixture.UniqueName("notify");
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Subscribers(queue));

        var result = await harness.Jobs.SubmitAsync(Now("events-7", "http://127.0.0.1:9/cb"), JobSources.Http, CancellationToken.None);

        Assert.Equal(SubmitStatus.Invalid, result.Status);
        Assert.Contains("Notifications:CallbackSecret", result.Errors!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EventsQueued_LeaveNothingInTheOutbox()
    {
        var queue = AzuriteFixture.UniqueName("notify");
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Subscribers(queue, ("crm", null)));

        var job = (await harness.Jobs.SubmitAsync(Now("outbox-0"), JobSources.Http, CancellationToken.None)).Job!;

        Assert.Equal(2, (await QueuedAsync(harness, queue)).Count);
        Assert.Empty(await OutboxAsync(harness, job.Id));
    }

    [Fact]
    public async Task AnEventWrittenButNeverQueued_IsQueuedByTheSweep_OnlyWhileItIsTheJobsLatest()
    {
        var queue = AzuriteFixture.UniqueName("notify");
        var time = JobsHarness.NewClock();
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Subscribers(queue, ("crm", null)), time: time);
        var job = (await harness.Jobs.SubmitAsync(Now("outbox-1"), JobSources.Http, CancellationToken.None)).Job!;
        var before = await QueuedAsync(harness, queue);

        // What a crash right after the job's write leaves (and one whose write never landed, and one the
        // job has moved past): outbox rows for sequences 2, 3 and 1 of a job now at sequence 2.
        var timeline = harness.Services.Get<StorageClients>().Tables.GetTableClient(harness.Services.Get<Microsoft.Extensions.Options.IOptions<JobsOptions>>().Value.TimelineTableName);
        foreach (var (sequence, type) in new[] { (2, "job.assigned"), (3, "job.joined"), (1, "job.dispatching") })
        {
            var row = IndexKeys.Outbox(job with { Sequence = sequence });
            await timeline.AddEntityAsync(new Azure.Data.Tables.TableEntity(row.PartitionKey, row.RowKey) { ["JobId"] = job.Id, ["Sequence"] = sequence, ["Type"] = type });
        }

        var early = await harness.Sweeper.SweepAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(2));
        var swept = await harness.Sweeper.SweepAsync(CancellationToken.None);
        var again = await harness.Sweeper.SweepAsync(CancellationToken.None);
        var after = await QueuedAsync(harness, queue);

        Assert.Equal(0, early.Resent); // younger than a minute: the normal path may still be on it
        Assert.Equal(1, swept.Resent);
        Assert.Equal(0, again.Resent);
        var resent = Assert.Single(after.Skip(before.Count));
        Assert.Equal(("job.assigned", 2), (resent.Type, resent.Sequence));
        Assert.Equal(before.Single(m => m.Sequence == 2).EventId, resent.EventId); // the same webhook-id: a subscriber that had it drops it
        Assert.Empty(await OutboxAsync(harness, job.Id));
    }

    private static async Task<List<Azure.Data.Tables.TableEntity>> OutboxAsync(JobsHarness harness, string jobId)
    {
        var timeline = harness.Services.Get<StorageClients>().Tables.GetTableClient(harness.Services.Get<Microsoft.Extensions.Options.IOptions<JobsOptions>>().Value.TimelineTableName);
        var rows = new List<Azure.Data.Tables.TableEntity>();
        await foreach (var row in timeline.QueryAsync<Azure.Data.Tables.TableEntity>(Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey ge {"notify|"} and PartitionKey lt {"notify|~"} and JobId eq {jobId}")))
        {
            rows.Add(row);
        }

        return rows;
    }
}
