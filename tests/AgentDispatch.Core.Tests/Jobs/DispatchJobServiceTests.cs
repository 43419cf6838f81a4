using System.Collections.Concurrent;
using AgentDispatch.Dispatch;
using AgentDispatch.Jobs;
using AgentDispatch.Testing;

namespace AgentDispatch.Core.Tests.Jobs;

/// <summary>Creating jobs: due now or later, and exactly one job (and one dispatch) per idempotency key. Real Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DispatchJobServiceTests(AzuriteCollectionFixture azurite)
{
    private static DispatchJobRequest Request(string meeting = "abcd-efgh-ijkl", DateTimeOffset? at = null, DateTimeOffset? notAfter = null, string? key = null)
        => new(new DispatchRequest(meeting, "agent-1"), at, notAfter, key);

    [Fact]
    public async Task SubmitAsync_DueNow_DispatchesAtOnceAndRecordsTheAnswer()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);

        var result = await harness.Jobs.SubmitAsync(Request(), JobSources.Http, CancellationToken.None);

        Assert.Equal(SubmitStatus.Created, result.Status);
        Assert.True(result.DispatchedNow);
        var job = result.Job!;
        Assert.Equal(JobState.Assigned, job.State);
        Assert.Equal(1, job.Attempts);
        Assert.Equal(DispatchOutcomeKind.Assigned, job.LastOutcome);
        Assert.Equal(VideoSdkExamples.SuccessResponseJson, job.UpstreamResponse);
        Assert.Equal(1, harness.Dispatches);
        Assert.Equal(job with { ETag = null }, (await harness.Jobs.GetAsync(job.Id, CancellationToken.None))! with { ETag = null });
    }

    [Fact]
    public async Task SubmitAsync_SameKeyAgain_ReturnsTheSameJobAndDispatchesNothing()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);

        var first = await harness.Jobs.SubmitAsync(Request(key: "order-42"), JobSources.Http, CancellationToken.None);
        var second = await harness.Jobs.SubmitAsync(Request(key: "order-42"), JobSources.Queue, CancellationToken.None);

        Assert.Equal(SubmitStatus.Duplicate, second.Status);
        Assert.Equal(first.Job!.Id, second.Job!.Id);
        Assert.Equal(JobState.Assigned, second.Job.State);
        Assert.Equal(1, harness.Dispatches);
    }

    [Fact]
    public async Task SubmitAsync_SameRequestWithoutAKey_IsOneJob()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        var at = DateTimeOffset.UtcNow.AddHours(1);

        var first = await harness.Jobs.SubmitAsync(Request(at: at), JobSources.Queue, CancellationToken.None);
        var again = await harness.Jobs.SubmitAsync(Request(at: at), JobSources.Queue, CancellationToken.None);
        var otherTime = await harness.Jobs.SubmitAsync(Request(at: at.AddMinutes(30)), JobSources.Queue, CancellationToken.None);

        Assert.Equal(SubmitStatus.Duplicate, again.Status);
        Assert.Equal(first.Job!.Id, again.Job!.Id);
        Assert.Equal(SubmitStatus.Created, otherTime.Status);
        Assert.NotEqual(first.Job.Id, otherTime.Job!.Id);
    }

    [Fact]
    public async Task SubmitAsync_TwentyConcurrentCopies_DispatchOnce()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);

        var results = new ConcurrentBag<SubmitResult>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 20), new ParallelOptions { MaxDegreeOfParallelism = 20 }, async (_, ct) =>
            results.Add(await harness.Jobs.SubmitAsync(Request(), JobSources.Queue, ct)));

        Assert.Equal(1, harness.Dispatches);
        Assert.Single(results, r => r.Status == SubmitStatus.Created);
        Assert.Single(results.Select(r => r.Job!.Id).Distinct());
    }

    [Fact]
    public async Task SubmitAsync_DerivedKeyAfterItsWindowPassed_StartsANewJob()
    {
        var time = JobsHarness.NewClock();
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, time: time);

        var first = await harness.Jobs.SubmitAsync(Request(), JobSources.Http, CancellationToken.None);
        var repeat = await harness.Jobs.SubmitAsync(Request(), JobSources.Http, CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(11)); // past the default 10-minute window
        var later = await harness.Jobs.SubmitAsync(Request(), JobSources.Http, CancellationToken.None);

        Assert.Equal(SubmitStatus.Duplicate, repeat.Status);
        Assert.Equal(SubmitStatus.Created, later.Status);
        Assert.NotEqual(first.Job!.Id, later.Job!.Id);
        Assert.Equal(1, later.Job.Generation);
        Assert.Equal(2, harness.Dispatches);
    }

    [Fact]
    public async Task SubmitAsync_CallerKeyAfterItsWindowPassed_IsStillTheSameJob()
    {
        var time = JobsHarness.NewClock();
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, time: time);

        var first = await harness.Jobs.SubmitAsync(Request(key: "k-1"), JobSources.Http, CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(11)); // past the default 10-minute window
        var later = await harness.Jobs.SubmitAsync(Request(key: "k-1"), JobSources.Http, CancellationToken.None);

        Assert.Equal(SubmitStatus.Duplicate, later.Status);
        Assert.Equal(first.Job!.Id, later.Job!.Id);
        Assert.Equal(1, harness.Dispatches);
    }

    [Fact]
    public async Task SubmitAsync_Later_StoresAScheduledJobWithAHiddenWakeUp()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        var at = Instants.Ms(DateTimeOffset.UtcNow.AddMinutes(5));

        var result = await harness.Jobs.SubmitAsync(Request(at: at), JobSources.Http, CancellationToken.None);

        Assert.Equal(SubmitStatus.Created, result.Status);
        Assert.False(result.DispatchedNow);
        Assert.Equal(JobState.Scheduled, result.Job!.State);
        Assert.Equal(at.AddMinutes(10), result.Job.NotAfter);
        Assert.Equal(1, await harness.WakeMessagesAsync());
        Assert.Equal(0, await harness.PumpAsync()); // hidden until due
        Assert.Equal(0, harness.Dispatches);
    }

    [Fact]
    public async Task SubmitAsync_MoreThanSevenDaysAhead_WaitsForTheSweepInsteadOfQueueing()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);

        var result = await harness.Jobs.SubmitAsync(Request(at: DateTimeOffset.UtcNow.AddDays(8)), JobSources.Http, CancellationToken.None);

        Assert.Equal(JobState.Scheduled, result.Job!.State);
        Assert.Null(result.Job.WakeFor);
        Assert.Equal(0, await harness.WakeMessagesAsync());
    }

    [Theory]
    [InlineData(-20, -10, "notAfter")]
    [InlineData(-30, null, "dispatchAt")]
    public async Task SubmitAsync_WindowAlreadyClosed_IsRejectedNamingTheField(int atMinutes, int? notAfterMinutes, string field)
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        var now = DateTimeOffset.UtcNow;

        var result = await harness.Jobs.SubmitAsync(
            Request(at: now.AddMinutes(atMinutes), notAfter: notAfterMinutes is { } n ? now.AddMinutes(n) : null), JobSources.Http, CancellationToken.None);

        Assert.Equal(SubmitStatus.Rejected, result.Status);
        Assert.True(result.Errors!.Has(field));
        Assert.Equal(0, harness.Dispatches);
    }

    [Fact]
    public async Task SubmitAsync_PastDispatchAtInsideItsWindow_DispatchesNow()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);

        var result = await harness.Jobs.SubmitAsync(Request(at: DateTimeOffset.UtcNow.AddMinutes(-2)), JobSources.Queue, CancellationToken.None);

        Assert.True(result.DispatchedNow);
        Assert.Equal(JobState.Assigned, result.Job!.State);
    }

    [Fact]
    public async Task ListAsync_FiltersByMeetingAndState_AndPages()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        var later = DateTimeOffset.UtcNow.AddHours(2);
        for (var i = 0; i < 5; i++)
        {
            await harness.Jobs.SubmitAsync(Request("meeting-a", at: later.AddMinutes(i)), JobSources.Http, CancellationToken.None);
        }

        await harness.Jobs.SubmitAsync(Request("meeting-a"), JobSources.Http, CancellationToken.None); // assigned now
        await harness.Jobs.SubmitAsync(Request("meeting-b", at: later), JobSources.Http, CancellationToken.None);

        var seen = new List<DispatchJob>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await harness.Jobs.ListAsync("meeting-a", JobState.Scheduled, 2, cursor, CancellationToken.None)
                ?? throw new InvalidOperationException("a cursor this API gave out was refused");
            seen.AddRange(page.Items);
            cursor = page.Next;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(5, seen.Count);
        Assert.All(seen, j => Assert.Equal(("meeting-a", JobState.Scheduled), (j.MeetingId, j.State)));
        Assert.Equal(5, seen.Select(j => j.Id).Distinct().Count());
        Assert.True(pages >= 3);
        Assert.Single((await harness.Jobs.ListAsync("meeting-a", JobState.Assigned, 50, null, CancellationToken.None))!.Items);
    }

    [Theory]
    [InlineData("not-a-cursor!")]
    [InlineData("%%%")]
    public void IsWellFormedCursor_Garbage_IsNot(string cursor)
        => Assert.False(DispatchLedger.IsWellFormedCursor(cursor));

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("short")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaa/")]
    public async Task GetAsync_MalformedId_IsNotFoundWithoutALookup(string id)
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);

        Assert.Null(await harness.Jobs.GetAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task SubmitAsync_RedeliveredLongAfterTheWindow_IsStillTheSameRequest()
    {
        var time = JobsHarness.NewClock();
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, time: time);
        var sentAt = time.GetUtcNow();

        var first = await harness.Jobs.SubmitAsync(Request() with { RequestedAt = sentAt }, JobSources.Queue, CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(11)); // the message came back after the host's 10-minute hide
        var redelivered = await harness.Jobs.SubmitAsync(Request() with { RequestedAt = sentAt }, JobSources.Queue, CancellationToken.None);
        var newRequest = await harness.Jobs.SubmitAsync(Request() with { RequestedAt = time.GetUtcNow() }, JobSources.Queue, CancellationToken.None);

        Assert.Equal(SubmitStatus.Duplicate, redelivered.Status);
        Assert.Equal(first.Job!.Id, redelivered.Job!.Id);
        Assert.Equal(SubmitStatus.Created, newRequest.Status);
        Assert.Equal(2, harness.Dispatches);
    }

    [Fact]
    public async Task SubmitAsync_RepeatOfARequestWhoseJobWasMovedEarlierAndSent_IsStillADuplicate()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        var original = Request(at: DateTimeOffset.UtcNow.AddHours(1));
        var job = (await harness.Jobs.SubmitAsync(original, JobSources.Http, CancellationToken.None)).Job!;
        await harness.Jobs.RescheduleAsync(job.Id, DateTimeOffset.UtcNow, null, CancellationToken.None); // sent now; its window closes in 10 min

        var repeat = await harness.Jobs.SubmitAsync(original, JobSources.Http, CancellationToken.None);

        Assert.Equal(SubmitStatus.Duplicate, repeat.Status);
        Assert.Equal(job.Id, repeat.Job!.Id);
        Assert.Equal(1, harness.Dispatches);
    }

    [Fact]
    public async Task SubmitAsync_SameKeyAfterTheWindowClosed_ReturnsTheJobRatherThanRefusing()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        var first = await harness.Jobs.SubmitAsync(Request(key: "late-key"), JobSources.Http, CancellationToken.None);

        var late = await harness.Jobs.SubmitAsync(Request(at: DateTimeOffset.UtcNow.AddHours(-1), key: "late-key"), JobSources.Http, CancellationToken.None);

        Assert.Equal(SubmitStatus.Duplicate, late.Status);
        Assert.Equal(first.Job!.Id, late.Job!.Id);
    }

    [Fact]
    public async Task SubmitAsync_KeyReusedForAnotherMeeting_IsRefused()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        await harness.Jobs.SubmitAsync(Request("meeting-1", key: "reused"), JobSources.Http, CancellationToken.None);

        var other = await harness.Jobs.SubmitAsync(Request("meeting-2", key: "reused"), JobSources.Http, CancellationToken.None);

        Assert.Equal(SubmitStatus.Rejected, other.Status);
        Assert.True(other.Errors!.Has("idempotencyKey"));
        Assert.Equal(1, harness.Dispatches);
    }

    [Fact]
    public async Task SubmitAsync_RepeatOfAScheduledJobWhoseWakeUpWasLost_QueuesItAgain()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        var request = Request(at: DateTimeOffset.UtcNow.AddMinutes(30));
        await harness.Jobs.SubmitAsync(request, JobSources.Http, CancellationToken.None);
        await harness.WakeQueue.ClearMessagesAsync();

        await harness.Jobs.SubmitAsync(request, JobSources.Http, CancellationToken.None);

        Assert.Equal(1, await harness.WakeMessagesAsync());
    }

    [Fact]
    public async Task SubmitAsync_ManyOccasionsOfOneNowKey_FindTheLatestWithoutWalkingThemAll()
    {
        var time = JobsHarness.NewClock();
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, time: time);
        DispatchJob? last = null;
        for (var i = 0; i < 5; i++)
        {
            last = (await harness.Jobs.SubmitAsync(Request(), JobSources.Http, CancellationToken.None)).Job!;
            time.Advance(TimeSpan.FromMinutes(11));
        }

        var head = await harness.Ledger.GetAsync(JobIds.ForKey(last!.IdempotencyKey), CancellationToken.None);

        Assert.Equal(4, last.Generation);
        Assert.Equal(4, head!.LatestGeneration);
        Assert.Equal(5, harness.Dispatches);
    }
}
