using AgentDispatch.Dispatch;
using AgentDispatch.Jobs;
using AgentDispatch.Testing;

namespace AgentDispatch.Core.Tests.Jobs;

/// <summary>
/// <c>Jobs:MaxScheduleAhead</c> for jobs kept by a source (real Azurite): an update or a reschedule that
/// moves a meeting past it is answered as a new event that far ahead is (ignored, with the same reason),
/// and the job stays as it was, as for every update the app cannot schedule (docs/event-sources.md).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SourceJobsScheduleAheadTests(AzuriteCollectionFixture azurite)
{
    private static readonly TimeSpan Ahead = TimeSpan.FromDays(30);

    private Task<JobsHarness> StartAsync()
        => JobsHarness.StartAsync(azurite.Fixture, settings: new Dictionary<string, string?> { ["Jobs:MaxScheduleAhead"] = "30.00:00:00" });

    private static DispatchJobRequest Request(string key, DateTimeOffset dispatchAt)
        => new(new DispatchRequest("abcd-efgh-ijkl", "agent-1"), DispatchAt: dispatchAt, NotAfter: dispatchAt.AddMinutes(10)) { SourceKey = key };

    private static SourceChange At(DateTimeOffset at) => new(at, null);

    [Fact]
    public async Task Update_PastMaxScheduleAhead_IsIgnoredLikeANewEventThatFar_AndTheJobStaysWhereItWas()
    {
        await using var harness = await StartAsync();
        var sources = harness.Services.Get<SourceJobs>();
        var now = DateTimeOffset.UtcNow;
        var created = await sources.ScheduleAsync(Request("standard:m-1", now.AddHours(2)), JobSources.StandardWebhook, At(now.AddMinutes(-2)), CancellationToken.None);

        var moved = await sources.ScheduleAsync(Request("standard:m-1", now + Ahead + TimeSpan.FromDays(1)), JobSources.StandardWebhook, At(now.AddMinutes(-1)), CancellationToken.None);
        var fresh = await sources.ScheduleAsync(Request("standard:m-2", now + Ahead + TimeSpan.FromDays(1)), JobSources.StandardWebhook, At(now), CancellationToken.None);

        Assert.Equal(SourceJobStatus.Created, created.Status);
        Assert.Equal(SourceJobStatus.Ignored, moved.Status);
        Assert.Equal(SourceJobStatus.Ignored, fresh.Status);
        Assert.Null(fresh.Job);
        Assert.Contains("is too far ahead: at most 30 days", moved.Reason, StringComparison.Ordinal);
        Assert.Equal(fresh.Reason, moved.Reason);
        var job = (await harness.Jobs.GetAsync(created.Job!.Id, CancellationToken.None))!;
        Assert.Equal((JobState.Scheduled, created.Job.DispatchAt, created.Job.NotAfter), (job.State, job.DispatchAt, job.NotAfter));
    }

    [Fact]
    public async Task Update_WithinMaxScheduleAhead_StillMovesTheJob()
    {
        await using var harness = await StartAsync();
        var sources = harness.Services.Get<SourceJobs>();
        var now = DateTimeOffset.UtcNow;
        await sources.ScheduleAsync(Request("standard:m-1", now.AddHours(2)), JobSources.StandardWebhook, At(now.AddMinutes(-2)), CancellationToken.None);
        var target = Instants.Ms(now + Ahead - TimeSpan.FromHours(1));

        var moved = await sources.ScheduleAsync(Request("standard:m-1", target), JobSources.StandardWebhook, At(now.AddMinutes(-1)), CancellationToken.None);

        Assert.Equal(SourceJobStatus.Moved, moved.Status);
        Assert.Equal(target, moved.Job!.DispatchAt);
    }

    [Fact]
    public async Task RescheduleToANewBooking_PastMaxScheduleAhead_LeavesTheOldJobAsItWas_AndGivesTheNewBookingNoJob()
    {
        await using var harness = await StartAsync();
        var sources = harness.Services.Get<SourceJobs>();
        var now = DateTimeOffset.UtcNow;
        var created = await sources.ScheduleAsync(Request("calcom:A", now.AddHours(2)), JobSources.CalCom, At(now.AddMinutes(-2)), CancellationToken.None);

        var moved = await sources.MoveAsync("calcom:A", Request("calcom:B", now + Ahead + TimeSpan.FromDays(1)), JobSources.CalCom, At(now.AddMinutes(-1)), CancellationToken.None);

        Assert.Equal(SourceJobStatus.Ignored, moved.Status);
        Assert.Contains("is too far ahead: at most 30 days", moved.Reason, StringComparison.Ordinal);
        var job = (await harness.Jobs.GetAsync(created.Job!.Id, CancellationToken.None))!;
        Assert.Equal((JobState.Scheduled, created.Job.DispatchAt, "calcom:A"), (job.State, job.DispatchAt, SourceJobs.Current(job)));
        Assert.Null(await harness.Ledger.ResolveAsync("calcom:B", CancellationToken.None));

        // A later reschedule to a time within reach still moves it.
        var back = await sources.MoveAsync("calcom:A", Request("calcom:B", now.AddHours(3)), JobSources.CalCom, At(now), CancellationToken.None);
        Assert.Equal((SourceJobStatus.Moved, created.Job.Id), (back.Status, back.Job!.Id));
    }

    [Fact]
    public async Task RevivingACancelledJob_PastMaxScheduleAhead_LeavesItCancelled()
    {
        await using var harness = await StartAsync();
        var sources = harness.Services.Get<SourceJobs>();
        var now = DateTimeOffset.UtcNow;
        var created = await sources.ScheduleAsync(Request("standard:m-1", now.AddHours(2)), JobSources.StandardWebhook, At(now.AddMinutes(-3)), CancellationToken.None);
        await sources.CancelAsync("standard:m-1", forReschedule: false, At(now.AddMinutes(-2)), CancellationToken.None);

        var revived = await sources.ScheduleAsync(Request("standard:m-1", now + Ahead + TimeSpan.FromDays(1)), JobSources.StandardWebhook, At(now.AddMinutes(-1)), CancellationToken.None);

        Assert.Equal(SourceJobStatus.Ignored, revived.Status);
        Assert.Contains("is too far ahead", revived.Reason, StringComparison.Ordinal);
        Assert.Equal(JobState.Cancelled, (await harness.Jobs.GetAsync(created.Job!.Id, CancellationToken.None))!.State);
    }
}
