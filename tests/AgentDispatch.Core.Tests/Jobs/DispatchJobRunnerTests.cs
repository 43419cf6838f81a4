using AgentDispatch.Dispatch;
using AgentDispatch.Jobs;
using AgentDispatch.Testing;
using Microsoft.AspNetCore.Http;

namespace AgentDispatch.Core.Tests.Jobs;

/// <summary>
/// Scheduled jobs, retries within the window, cancel and reschedule, and the sweep. Real Azurite. The
/// tests whose subject is a wake-up surfacing from the queue at its time run on the real clock, since
/// Azurite hides a message on the real clock; the rest run on a fake clock the test moves.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DispatchJobRunnerTests(AzuriteCollectionFixture azurite)
{
    private static DispatchJobRequest Request(DateTimeOffset? at = null, DateTimeOffset? notAfter = null)
        => new(new DispatchRequest("abcd-efgh-ijkl", "agent-1"), at, notAfter);

    private static Func<HttpContext, ReceivedRequest, Task> AnswerInTurn(params (int Status, string Body)[] answers)
    {
        var next = -1;
        return (context, request) =>
        {
            var (status, body) = answers[Math.Min(Interlocked.Increment(ref next), answers.Length - 1)];
            return LoopbackServer.Answer(status, body)(context, request);
        };
    }

    [Fact]
    public async Task WakeAsync_ScheduledJob_IsDispatchedOnceWhenDueAndNotBefore()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        var at = DateTimeOffset.UtcNow.AddSeconds(2);
        var job = (await harness.Jobs.SubmitAsync(Request(at), JobSources.Http, CancellationToken.None)).Job!;

        await harness.Runner.WakeAsync(job.Id, at.AddMinutes(-5), CancellationToken.None); // a stale wake-up changes nothing
        Assert.Equal(0, harness.Dispatches);

        var done = await harness.PumpUntilAsync(job.Id, j => j.IsFinal, TimeSpan.FromSeconds(15));

        Assert.Equal(JobState.Assigned, done.State);
        Assert.Equal(1, harness.Dispatches);
        Assert.True(done.UpdatedAt >= at);
        await harness.Runner.WakeAsync(job.Id, job.DispatchAt, CancellationToken.None); // a redelivered wake-up changes nothing either
        Assert.Equal(1, harness.Dispatches);
    }

    [Fact]
    public async Task CancelAsync_BeforeDue_NothingIsDispatched()
    {
        var time = JobsHarness.NewClock();
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, time: time);
        var job = (await harness.Jobs.SubmitAsync(Request(time.GetUtcNow().AddMinutes(5)), JobSources.Http, CancellationToken.None)).Job!;

        var cancelled = await harness.Jobs.CancelAsync(job.Id, CancellationToken.None);
        var again = await harness.Jobs.CancelAsync(job.Id, CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(6));
        await harness.Runner.WakeAsync(job.Id, job.DueAt, CancellationToken.None); // the wake-up queued at submit, arriving after its time

        Assert.Equal(ChangeStatus.Changed, cancelled.Status);
        Assert.Equal(JobState.Cancelled, cancelled.Job!.State);
        Assert.Equal(ChangeStatus.Changed, again.Status);
        Assert.Equal(JobState.Cancelled, (await harness.Jobs.GetAsync(job.Id, CancellationToken.None))!.State);
        Assert.Equal(0, harness.Dispatches);
    }

    [Fact]
    public async Task CancelAsync_AfterDispatch_IsAConflictAndUnknownIdIsNotFound()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        var job = (await harness.Jobs.SubmitAsync(Request(), JobSources.Http, CancellationToken.None)).Job!;

        var conflict = await harness.Jobs.CancelAsync(job.Id, CancellationToken.None);
        var missing = await harness.Jobs.CancelAsync(JobIds.ForKey("key:nobody"), CancellationToken.None);

        Assert.Equal(ChangeStatus.Conflict, conflict.Status);
        Assert.Equal(JobState.Assigned, conflict.Job!.State);
        Assert.Equal(ChangeStatus.NotFound, missing.Status);
    }

    [Fact]
    public async Task RescheduleAsync_Later_DispatchesOnceAtTheNewTime()
    {
        var time = JobsHarness.NewClock();
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, time: time);
        var job = (await harness.Jobs.SubmitAsync(Request(time.GetUtcNow().AddMinutes(5)), JobSources.Http, CancellationToken.None)).Job!;
        var newTime = time.GetUtcNow().AddMinutes(20);

        var moved = await harness.Jobs.RescheduleAsync(job.Id, newTime, null, CancellationToken.None);
        time.SetUtcNow(job.DueAt);
        await harness.Runner.WakeAsync(job.Id, job.DueAt, CancellationToken.None); // the old wake-up: finds the job not due
        Assert.Equal(0, harness.Dispatches);

        var done = await harness.WakeWhenDueAsync(time, job.Id); // the wake-up the move queued

        Assert.Equal(ChangeStatus.Changed, moved.Status);
        Assert.Equal(JobState.Assigned, done.State);
        Assert.Equal(1, harness.Dispatches);
        Assert.True(done.UpdatedAt >= newTime);
        Assert.Equal(newTime.AddMinutes(10), done.NotAfter);
    }

    [Fact]
    public async Task RescheduleAsync_ToNow_DispatchesAtOnce()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        var job = (await harness.Jobs.SubmitAsync(Request(DateTimeOffset.UtcNow.AddHours(1)), JobSources.Http, CancellationToken.None)).Job!;

        var moved = await harness.Jobs.RescheduleAsync(job.Id, DateTimeOffset.UtcNow, null, CancellationToken.None);

        Assert.Equal(JobState.Assigned, moved.Job!.State);
        Assert.Equal(1, harness.Dispatches);
    }

    [Fact]
    public async Task Capacity_IsRetriedWithinTheWindowUntilAssigned()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, AnswerInTurn(
            (503, VideoSdkExamples.NoWorkersAvailableJson), (503, VideoSdkExamples.NoWorkersAvailableJson), (200, VideoSdkExamples.SuccessResponseJson)));

        var first = (await harness.Jobs.SubmitAsync(Request(), JobSources.Queue, CancellationToken.None)).Job!;
        Assert.Equal(JobState.Scheduled, first.State);
        Assert.Equal(DispatchOutcomeKind.Capacity, first.LastOutcome);
        Assert.NotNull(first.NextAttemptAt);

        var done = await harness.PumpUntilAsync(first.Id, j => j.IsFinal, TimeSpan.FromSeconds(15));

        Assert.Equal(JobState.Assigned, done.State);
        Assert.Equal(3, done.Attempts);
        Assert.Equal(3, harness.Dispatches);
    }

    [Fact]
    public async Task Capacity_UntilNotAfter_Expires()
    {
        var time = JobsHarness.NewClock();
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, LoopbackServer.Answer(503, VideoSdkExamples.NoWorkersAvailableJson), time: time);

        var job = (await harness.Jobs.SubmitAsync(Request(notAfter: time.GetUtcNow().AddSeconds(2)), JobSources.Queue, CancellationToken.None)).Job!;
        var done = await harness.WakeUntilFinalAsync(time, job.Id);

        Assert.Equal(JobState.Expired, done.State);
        Assert.Equal(DispatchOutcomeKind.Capacity, done.LastOutcome);
        Assert.True(done.Attempts >= 2);
        Assert.Equal(done.Attempts, harness.Dispatches);
    }

    [Theory]
    [InlineData(404, """{"message":"No Workers Registered"}""", DispatchOutcomeKind.Configuration)]
    [InlineData(400, """{"message":"Agent Not Deployed"}""", DispatchOutcomeKind.Configuration)]
    [InlineData(422, """{"message":"meetingId is not a meeting"}""", DispatchOutcomeKind.Rejected)]
    [InlineData(401, """{"message":"Unauthorized"}""", DispatchOutcomeKind.Unauthorized)]
    public async Task NonRetryableOutcome_FailsAtOnceWithTheUpstreamMessage(int status, string body, DispatchOutcomeKind outcome)
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, LoopbackServer.Answer(status, body));

        var submitted = (await harness.Jobs.SubmitAsync(Request(), JobSources.Queue, CancellationToken.None)).Job!;
        var job = (await harness.Jobs.GetAsync(submitted.Id, CancellationToken.None))!;

        Assert.Equal(JobState.Failed, job.State);
        Assert.Equal(0, await harness.WakeMessagesAsync()); // no retry queued
        Assert.Equal(outcome, job.LastOutcome);
        Assert.Equal(status, job.LastUpstreamStatus);
        Assert.Equal(System.Text.Json.Nodes.JsonNode.Parse(body)!["message"]!.GetValue<string>(), job.LastMessage);
        Assert.Equal(1, harness.Dispatches);
    }

    [Fact]
    public async Task NoAnswer_FailsAsUnknownAndIsNotSentAgain_ByDefault()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, (context, _) =>
        {
            context.Abort();
            return Task.CompletedTask;
        });

        var submitted = (await harness.Jobs.SubmitAsync(Request(), JobSources.Queue, CancellationToken.None)).Job!;
        var job = (await harness.Jobs.GetAsync(submitted.Id, CancellationToken.None))!;

        Assert.Equal(JobState.Failed, job.State);
        Assert.Equal(DispatchOutcomeKind.Unknown, job.LastOutcome);
        Assert.Equal(0, await harness.WakeMessagesAsync());
        Assert.Equal(1, harness.Dispatches);
    }

    [Fact]
    public async Task NoAnswer_WithUnknownOutcomeRetry_IsSentAgainWithinTheWindow()
    {
        var time = JobsHarness.NewClock();
        var answers = 0;
        await using var harness = await JobsHarness.StartAsync(
            azurite.Fixture,
            (context, request) =>
            {
                if (Interlocked.Increment(ref answers) == 1)
                {
                    context.Abort();
                    return Task.CompletedTask;
                }

                return LoopbackServer.Answer(200, VideoSdkExamples.SuccessResponseJson)(context, request);
            },
            new Dictionary<string, string?> { ["Jobs:UnknownOutcome"] = "Retry" },
            time: time);

        var job = (await harness.Jobs.SubmitAsync(Request(), JobSources.Queue, CancellationToken.None)).Job!;
        var done = await harness.WakeUntilFinalAsync(time, job.Id);

        Assert.Equal(JobState.Assigned, done.State);
        Assert.Equal(2, harness.Dispatches);
    }

    [Fact]
    public async Task Sweep_AbandonedClaim_IsResolvedAsUnknownWithoutSending()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        var now = DateTimeOffset.UtcNow;
        // What an instance that died mid-dispatch leaves behind: a claim whose lease has run out.
        var (abandoned, _) = await harness.Ledger.InsertOrGetAsync(
            new DispatchJob
            {
                Id = JobIds.ForKey("key:abandoned"),
                IdempotencyKey = "key:abandoned",
                MeetingId = "m",
                AgentId = "a",
                Source = JobSources.Queue,
                DispatchAt = now.AddMinutes(-1),
                NotAfter = now.AddMinutes(9),
                State = JobState.Dispatching,
                Attempts = 1,
                LeaseUntil = now.AddSeconds(-1),
                CreatedAt = now.AddMinutes(-1),
                UpdatedAt = now.AddMinutes(-1),
            },
            CancellationToken.None);

        var report = await harness.Sweeper.SweepAsync(CancellationToken.None);
        var resolved = (await harness.Jobs.GetAsync(abandoned.Id, CancellationToken.None))!;

        Assert.Equal(1, report.Recovered);
        Assert.Equal(JobState.Failed, resolved.State);
        Assert.Equal(DispatchOutcomeKind.Unknown, resolved.LastOutcome);
        Assert.Equal(0, harness.Dispatches);
    }

    [Fact]
    public async Task Sweep_LostWakeUp_WakesTheOverdueJobOnce()
    {
        var time = JobsHarness.NewClock();
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, time: time);
        var job = (await harness.Jobs.SubmitAsync(Request(time.GetUtcNow().AddMinutes(5)), JobSources.Http, CancellationToken.None)).Job!;
        await harness.WakeQueue.ClearMessagesAsync(); // the wake-up is lost
        time.Advance(TimeSpan.FromMinutes(6)); // overdue by more than the default 30 s grace

        var report = await harness.Sweeper.SweepAsync(CancellationToken.None);
        var pumped = await harness.PumpAsync(); // the sweep's wake-up is for a time already past: visible at once
        var done = (await harness.Jobs.GetAsync(job.Id, CancellationToken.None))!;

        Assert.Equal(1, report.Woken);
        Assert.Equal(1, pumped);
        Assert.Equal(JobState.Assigned, done.State);
        Assert.Equal(1, harness.Dispatches);
    }

    [Fact]
    public async Task Sweep_JobEnteringTheSevenDayWindow_GetsItsWakeUp()
    {
        var time = JobsHarness.NewClock();
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, time: time);
        var job = (await harness.Jobs.SubmitAsync(Request(time.GetUtcNow().AddDays(8)), JobSources.Http, CancellationToken.None)).Job!;

        var tooEarly = await harness.Sweeper.SweepAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromDays(1.5));
        var entering = await harness.Sweeper.SweepAsync(CancellationToken.None);
        var again = await harness.Sweeper.SweepAsync(CancellationToken.None);

        Assert.Equal(0, tooEarly.Woken);
        Assert.Equal(1, entering.Woken);
        Assert.Equal(0, again.Woken);
        Assert.Equal(job.DispatchAt, (await harness.Jobs.GetAsync(job.Id, CancellationToken.None))!.WakeFor);
        Assert.Equal(1, await harness.WakeMessagesAsync());
    }

    [Fact]
    public async Task Sweep_WhileADispatchIsInFlight_LeavesItsClaimAlone()
    {
        // The answer is held until the sweep has run. The clock is fake and stands still meanwhile, so
        // the attempt's timeouts (on the same TimeProvider) cannot end the held call.
        var time = JobsHarness.NewClock();
        var held = new HeldAnswer();
        var (arrived, release) = (held.Arrived, held.Release);
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, held.AnswerAsync, time: time);

        var submitting = harness.Jobs.SubmitAsync(Request(), JobSources.Queue, CancellationToken.None);
        SweepReport report;
        try
        {
            await Task.WhenAny(arrived.Task, submitting);
            Assert.True(arrived.Task.IsCompleted, "the dispatch request never reached VideoSDK");
            report = await harness.Sweeper.SweepAsync(CancellationToken.None);
        }
        finally
        {
            release.TrySetResult();
        }

        var done = (await submitting).Job!;

        Assert.Equal(0, report.Recovered);
        Assert.Equal(JobState.Assigned, done.State);
        // The claim outlasts the longest a call can take, token re-reads and a resend after a 401 included.
        var videoSdk = harness.Services.Get<Microsoft.Extensions.Options.IOptions<AgentDispatch.Configuration.VideoSdkOptions>>().Value;
        Assert.True(harness.Runner.Lease > videoSdk.MaxCallDuration);
        Assert.True(videoSdk.MaxCallDuration > 2 * videoSdk.TotalTimeout);
    }

    [Fact]
    public async Task AttemptClaimed_CallerCancelsMidFlight_TheAttemptStillCompletesAndIsRecorded()
    {
        // The caller cancels once the request is at VideoSDK, and only then does the answer come. The
        // clock is fake and stands still, so the attempt's own timeouts cannot end the held call.
        var time = JobsHarness.NewClock();
        var held = new HeldAnswer();
        var (arrived, release) = (held.Arrived, held.Release);
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, held.AnswerAsync, time: time);
        using var shutdown = new CancellationTokenSource();

        var submitting = harness.Jobs.SubmitAsync(Request(), JobSources.Queue, shutdown.Token);
        try
        {
            await Task.WhenAny(arrived.Task, submitting);
            Assert.True(arrived.Task.IsCompleted, "the dispatch request never reached VideoSDK");
            await shutdown.CancelAsync();
        }
        finally
        {
            release.TrySetResult();
        }

        var result = await submitting;

        Assert.Equal(JobState.Assigned, result.Job!.State);
        Assert.Equal(JobState.Assigned, (await harness.Jobs.GetAsync(result.Job.Id, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task Sweep_AnUnreadableRow_DoesNotStopItHandlingTheOthers()
    {
        var time = JobsHarness.NewClock();
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, time: time);
        var table = harness.Services.Get<AgentDispatch.Storage.StorageClients>().Tables.GetTableClient(harness.Services.Get<Microsoft.Extensions.Options.IOptions<JobsOptions>>().Value.LedgerTable);
        await table.CreateIfNotExistsAsync();
        await table.AddEntityAsync(new Azure.Data.Tables.TableEntity("AAAAAAAAAAAAAAAAAAAAAA", DispatchJobEntity.RowKeyFor("AAAAAAAAAAAAAAAAAAAAAA"))
        {
            ["State"] = "Scheduled",
            ["DueAt"] = time.GetUtcNow().AddMinutes(-5),
            ["LastOutcome"] = "NotAnOutcome",
        });
        var job = (await harness.Jobs.SubmitAsync(Request(time.GetUtcNow().AddMinutes(5)), JobSources.Http, CancellationToken.None)).Job!;
        await harness.WakeQueue.ClearMessagesAsync();
        time.Advance(TimeSpan.FromMinutes(6)); // overdue by more than the default 30 s grace

        var report = await harness.Sweeper.SweepAsync(CancellationToken.None);
        var pumped = await harness.PumpAsync(); // the sweep's wake-up is for a time already past: visible at once
        var done = (await harness.Jobs.GetAsync(job.Id, CancellationToken.None))!;

        Assert.Equal(1, report.Woken);
        Assert.Equal(1, pumped);
        Assert.Equal(JobState.Assigned, done.State);
        Assert.Contains("could not be read as a job", harness.Services.AllLogText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WakeAsync_StaleWakeUpForAJobAlreadyDue_DispatchesIt()
    {
        var time = JobsHarness.NewClock();
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, time: time);
        var job = (await harness.Jobs.SubmitAsync(Request(time.GetUtcNow().AddMinutes(5)), JobSources.Http, CancellationToken.None)).Job!;
        await harness.WakeQueue.ClearMessagesAsync();
        time.Advance(TimeSpan.FromMinutes(5.5));

        await harness.Runner.WakeAsync(job.Id, job.DispatchAt.AddMinutes(-1), CancellationToken.None);

        Assert.Equal(JobState.Assigned, (await harness.Jobs.GetAsync(job.Id, CancellationToken.None))!.State);
        Assert.Equal(1, harness.Dispatches);
    }

    [Fact]
    public async Task Retry_WhoseBackoffOvershootsTheWindow_GetsALastAttemptInsideIt()
    {
        var time = JobsHarness.NewClock();
        await using var harness = await JobsHarness.StartAsync(
            azurite.Fixture,
            AnswerInTurn((503, VideoSdkExamples.NoWorkersAvailableJson), (200, VideoSdkExamples.SuccessResponseJson)),
            new Dictionary<string, string?> { ["Jobs:RetryBaseDelay"] = "00:00:30", ["Jobs:RetryMaxDelay"] = "00:01:00" },
            time: time);

        var job = (await harness.Jobs.SubmitAsync(Request(notAfter: time.GetUtcNow().AddSeconds(3)), JobSources.Queue, CancellationToken.None)).Job!;
        var done = await harness.WakeUntilFinalAsync(time, job.Id);

        Assert.Equal(JobState.Assigned, done.State);
        Assert.Equal(2, done.Attempts);
    }

    /// <summary>A VideoSDK answer held back until the test releases it, telling the test when the request arrived.</summary>
    private sealed class HeldAnswer
    {
        public TaskCompletionSource Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task AnswerAsync(HttpContext context, ReceivedRequest request)
        {
            Arrived.TrySetResult();
            await Release.Task;
            await LoopbackServer.Answer(200, VideoSdkExamples.SuccessResponseJson)(context, request);
        }
    }
}
