using AgentDispatch.Core.Tests.Jobs;
using AgentDispatch.Dispatch;
using AgentDispatch.Jobs;
using AgentDispatch.Testing;

namespace AgentDispatch.Core.Tests.Confirmation;

/// <summary>
/// Assigned → joined or not-joined, redispatch, and unanswered attempts settled by looking in the
/// room. Real Azurite and a scripted VideoSDK on loopback; the jobs run on a fake clock the test moves.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class JoinConfirmationTests(AzuriteCollectionFixture azurite)
{
    private static DispatchJobRequest Request() => new(new DispatchRequest("room-1", "agent-1"), null, null);

    private Task<JobsHarness> StartAsync(RoomScript room, Microsoft.Extensions.Time.Testing.FakeTimeProvider time, params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?> { ["Confirmation:Mode"] = "SessionApi" };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return JobsHarness.StartAsync(azurite.Fixture, room.HandleAsync, all, time: time);
    }

    [Fact]
    public async Task AssignedAgent_SeenThroughTheSessionsApi_EndsJoined()
    {
        var time = JobsHarness.NewClock();
        var room = new RoomScript();
        await using var harness = await StartAsync(room, time);
        var job = (await harness.Jobs.SubmitAsync(Request(), JobSources.Http, CancellationToken.None)).Job!;

        var assigned = (await harness.Jobs.GetAsync(job.Id, CancellationToken.None))!; // a job for now is sent as it is submitted
        Assert.Equal(JobState.Assigned, assigned.State);
        Assert.True(assigned.IsConfirming);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromSeconds(60), assigned.ConfirmBy);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromSeconds(2), assigned.WakeFor);

        var joined = await harness.LookWhenDueAsync(time, job.Id);

        Assert.Equal(JobState.Joined, joined.State);
        Assert.Equal("session-api", joined.ConfirmedBy);
        Assert.Equal("agt_1", joined.ParticipantId);
        Assert.Equal(RoomScript.SessionId, joined.SessionId);
        Assert.NotNull(joined.JoinedAt);
        Assert.Null(joined.ConfirmBy);
        Assert.True(joined.IsFinal);
        Assert.Equal(1, room.Dispatches);
        Assert.Equal(2, room.Looks); // the ongoing session, then its active participants
    }

    [Fact]
    public async Task HumansInTheRoom_AreNotTheAgent()
    {
        var time = JobsHarness.NewClock();
        var room = new RoomScript { AgentJoinsOnDispatch = false };
        room.Join("p-alice", "Alice");
        await using var harness = await StartAsync(room, time, ("Confirmation:OnNotJoined", "Fail"));
        var job = (await harness.Jobs.SubmitAsync(Request(), JobSources.Http, CancellationToken.None)).Job!;

        var done = await harness.WakeUntilFinalAsync(time, job.Id);

        Assert.Equal(JobState.NotJoined, done.State);
        Assert.Equal("not-joined", JobStates.Wire(done.State));
        Assert.Contains("not seen in the room within 60 s", done.LastMessage, StringComparison.Ordinal);
        Assert.Equal(1, room.Dispatches);
        Assert.Null(done.ConfirmBy); // looking is over
    }

    [Fact]
    public async Task AgentThatNeverJoins_IsSentAgainUpToMaxRedispatches_ThenNotJoined()
    {
        var time = JobsHarness.NewClock();
        var room = new RoomScript { AgentJoinsOnDispatch = false };
        await using var harness = await StartAsync(room, time, ("Confirmation:MaxRedispatches", "2"), ("Jobs:DefaultWindow", "00:30:00"));
        var job = (await harness.Jobs.SubmitAsync(Request(), JobSources.Http, CancellationToken.None)).Job!;

        var done = await harness.WakeUntilFinalAsync(time, job.Id, maxWakes: 200);

        Assert.Equal(JobState.NotJoined, done.State);
        Assert.Equal(3, room.Dispatches); // the first, and two more
        Assert.Equal(2, done.Redispatches);
        Assert.Equal(3, done.Attempts);
    }

    [Fact]
    public async Task AgentThatJoinsOnTheRedispatch_EndsJoinedWithTheRedispatchCounted()
    {
        var time = JobsHarness.NewClock();
        var room = new RoomScript { AgentJoinsOnDispatch = false };
        await using var harness = await StartAsync(room, time);
        var job = (await harness.Jobs.SubmitAsync(Request(), JobSources.Http, CancellationToken.None)).Job!;
        var assigned = (await harness.Jobs.GetAsync(job.Id, CancellationToken.None))!; // a job for now is sent as it is submitted
        time.SetUtcNow(assigned.ConfirmBy!.Value);
        var again = await harness.LookWhenDueAsync(time, job.Id);
        Assert.Equal(JobState.Scheduled, again.State);
        Assert.Equal(1, again.Redispatches);
        Assert.Contains("Dispatching again (1 of 2)", again.LastMessage, StringComparison.Ordinal);

        room.AgentJoinsOnDispatch = true;
        var done = await harness.WakeUntilFinalAsync(time, job.Id);

        Assert.Equal(JobState.Joined, done.State);
        Assert.Equal(2, room.Dispatches);
        Assert.Equal(1, done.Redispatches);
    }

    [Fact]
    public async Task WindowClosed_NotSentAgain()
    {
        var time = JobsHarness.NewClock();
        var room = new RoomScript { AgentJoinsOnDispatch = false };
        await using var harness = await StartAsync(room, time, ("Jobs:DefaultWindow", "00:00:30"));
        var job = (await harness.Jobs.SubmitAsync(Request(), JobSources.Http, CancellationToken.None)).Job!;

        var done = await harness.WakeUntilFinalAsync(time, job.Id);

        Assert.Equal(JobState.NotJoined, done.State); // the 60 s of looking outlast the 30 s window
        Assert.Equal(1, room.Dispatches);
    }

    [Fact]
    public async Task UnansweredAttempt_AgentFoundInTheRoom_EndsJoinedWithoutASecondDispatch()
    {
        var time = JobsHarness.NewClock();
        var room = new RoomScript { DropAnswer = true };
        await using var harness = await StartAsync(room, time);
        var job = (await harness.Jobs.SubmitAsync(Request(), JobSources.Http, CancellationToken.None)).Job!;

        var unanswered = (await harness.Jobs.GetAsync(job.Id, CancellationToken.None))!; // a job for now is sent as it is submitted
        Assert.Equal(JobState.Dispatching, unanswered.State);
        Assert.Equal(DispatchOutcomeKind.Unknown, unanswered.LastOutcome);
        Assert.True(unanswered.IsConfirming);
        Assert.True(unanswered.LeaseUntil > unanswered.ConfirmBy); // the sweep leaves it to its looks

        var done = await harness.WakeUntilFinalAsync(time, job.Id);

        Assert.Equal(JobState.Joined, done.State);
        Assert.Equal(DispatchOutcomeKind.Assigned, done.LastOutcome); // it was assigned after all
        Assert.Equal(1, room.Dispatches);
    }

    [Fact]
    public async Task UnansweredAttempt_NoAgentInTheRoom_IsSentAgainAfterTheLook()
    {
        var time = JobsHarness.NewClock();
        var room = new RoomScript { DropAnswer = true, AgentJoinsOnDispatch = false };
        await using var harness = await StartAsync(room, time, ("Jobs:DefaultWindow", "00:30:00"));
        var job = (await harness.Jobs.SubmitAsync(Request(), JobSources.Http, CancellationToken.None)).Job!;
        var unanswered = (await harness.Jobs.GetAsync(job.Id, CancellationToken.None))!; // a job for now is sent as it is submitted
        Assert.True(unanswered.IsConfirming);

        time.SetUtcNow(unanswered.ConfirmBy!.Value);
        var retry = await harness.LookWhenDueAsync(time, job.Id);
        Assert.Equal(JobState.Scheduled, retry.State);
        Assert.Equal(1, room.Dispatches); // nothing sent again before the look said no agent came
        Assert.Contains("no agent was seen in the room", retry.LastMessage, StringComparison.Ordinal);

        room.DropAnswer = false;
        room.AgentJoinsOnDispatch = true;
        var done = await harness.WakeUntilFinalAsync(time, job.Id);

        Assert.Equal(JobState.Joined, done.State);
        Assert.Equal(2, room.Dispatches);
    }

    [Fact]
    public async Task UnansweredAttempt_WithUnknownOutcomeFail_FailsAfterTheLookWithoutResending()
    {
        var time = JobsHarness.NewClock();
        var room = new RoomScript { DropAnswer = true, AgentJoinsOnDispatch = false };
        await using var harness = await StartAsync(room, time, ("Jobs:UnknownOutcome", "Fail"));
        var job = (await harness.Jobs.SubmitAsync(Request(), JobSources.Http, CancellationToken.None)).Job!;

        var done = await harness.WakeUntilFinalAsync(time, job.Id);

        Assert.Equal(JobState.Failed, done.State);
        Assert.Contains("Not sent again (Jobs:UnknownOutcome=Fail)", done.LastMessage, StringComparison.Ordinal);
        Assert.Equal(1, room.Dispatches);
    }

    [Fact]
    public async Task CrashMidDispatch_SweepLooksInTheRoom_AgentThereMeansJoinedAndNoSecondDispatch()
    {
        var time = JobsHarness.NewClock();
        var room = new RoomScript { AgentJoinsOnDispatch = false };
        room.Join("agt_9", "agent-1"); // the dispatch reached VideoSDK before the instance died
        await using var harness = await StartAsync(room, time);
        var now = time.GetUtcNow();
        var (abandoned, _) = await harness.Ledger.InsertOrGetAsync(
            new DispatchJob
            {
                Id = JobIds.ForKey("key:crashed"),
                IdempotencyKey = "key:crashed",
                MeetingId = "room-1",
                AgentId = "agent-1",
                Source = JobSources.Queue,
                DispatchAt = now.AddMinutes(-2),
                NotAfter = now.AddMinutes(8),
                State = JobState.Dispatching,
                Attempts = 1,
                FirstSentAt = now.AddMinutes(-2),
                LeaseUntil = now.AddSeconds(-1),
                CreatedAt = now.AddMinutes(-2),
                UpdatedAt = now.AddMinutes(-2),
            },
            CancellationToken.None);

        var report = await harness.Sweeper.SweepAsync(CancellationToken.None);
        var looking = (await harness.Jobs.GetAsync(abandoned.Id, CancellationToken.None))!;
        Assert.Equal(1, report.Recovered);
        Assert.True(looking.IsConfirming);

        var done = await harness.WakeUntilFinalAsync(time, abandoned.Id);

        Assert.Equal(JobState.Joined, done.State);
        Assert.Equal("agt_9", done.ParticipantId);
        Assert.Equal(0, room.Dispatches);
    }

    [Fact]
    public async Task LostLookWakeUp_TheSweepDecidesTheJobOnceItsTimeIsUp()
    {
        var time = JobsHarness.NewClock();
        var room = new RoomScript { AgentJoinsOnDispatch = false };
        await using var harness = await StartAsync(room, time, ("Confirmation:OnNotJoined", "Fail"));
        var job = (await harness.Jobs.SubmitAsync(Request(), JobSources.Http, CancellationToken.None)).Job!;
        var assigned = (await harness.Jobs.GetAsync(job.Id, CancellationToken.None))!; // a job for now is sent as it is submitted

        time.SetUtcNow(assigned.ConfirmBy!.Value + TimeSpan.FromMinutes(1)); // its wake-ups never came
        var report = await harness.Sweeper.SweepAsync(CancellationToken.None);
        var done = (await harness.Jobs.GetAsync(job.Id, CancellationToken.None))!;

        Assert.Equal(1, report.Recovered);
        Assert.Equal(JobState.NotJoined, done.State);
    }

    [Fact]
    public async Task SessionsApiDown_LooksGoOnAndTheJobIsDecidedOnWhatIsKnown()
    {
        var time = JobsHarness.NewClock();
        var room = new RoomScript();
        await using var harness = await JobsHarness.StartAsync(
            azurite.Fixture,
            (context, request) => request.Path.StartsWith("/v2/sessions", StringComparison.Ordinal)
                ? LoopbackServer.Answer(500, """{"message":"Internal"}""")(context, request)
                : room.HandleAsync(context, request),
            new Dictionary<string, string?> { ["Confirmation:Mode"] = "SessionApi", ["Confirmation:OnNotJoined"] = "Fail" },
            time: time);
        var job = (await harness.Jobs.SubmitAsync(Request(), JobSources.Http, CancellationToken.None)).Job!;

        var done = await harness.WakeUntilFinalAsync(time, job.Id);

        Assert.Equal(JobState.NotJoined, done.State);
        Assert.Contains("could not ask VideoSDK", done.LastMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("jobs-test-token", harness.Services.AllLogText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnansweredAttempt_SessionsApiDown_FailsRatherThanRiskASecondAgent()
    {
        var time = JobsHarness.NewClock();
        var room = new RoomScript { DropAnswer = true };
        await using var harness = await JobsHarness.StartAsync(
            azurite.Fixture,
            (context, request) => request.Path.StartsWith("/v2/sessions", StringComparison.Ordinal)
                ? LoopbackServer.Answer(503, """{"message":"Service Unavailable"}""")(context, request)
                : room.HandleAsync(context, request),
            new Dictionary<string, string?> { ["Confirmation:Mode"] = "SessionApi" },
            time: time);
        var job = (await harness.Jobs.SubmitAsync(Request(), JobSources.Http, CancellationToken.None)).Job!;

        var done = await harness.WakeUntilFinalAsync(time, job.Id);

        Assert.Equal((JobState.Failed, DispatchOutcomeKind.Unknown), (done.State, done.LastOutcome));
        Assert.Contains("could not be looked into", done.LastMessage, StringComparison.Ordinal);
        Assert.Equal(1, room.Dispatches);
    }

    [Fact]
    public async Task ModeOff_EndsAtAssigned_AsBefore()
    {
        var time = JobsHarness.NewClock();
        var room = new RoomScript();
        await using var harness = await StartAsync(room, time, ("Confirmation:Mode", "Off"));
        var job = (await harness.Jobs.SubmitAsync(Request(), JobSources.Http, CancellationToken.None)).Job!;

        var done = await harness.WakeUntilFinalAsync(time, job.Id);

        Assert.Equal(JobState.Assigned, done.State);
        Assert.True(done.IsFinal);
        Assert.Null(done.ConfirmBy);
        Assert.Equal(0, room.Looks);
    }
}
