using System.Net;
using System.Text;
using AgentDispatch.VideoSdkEmulator.Dispatch;
using AgentDispatch.VideoSdkEmulator.Faults;
using AgentDispatch.VideoSdkEmulator.Rooms;
using AgentDispatch.VideoSdkEmulator.Tests.TestSupport;

namespace AgentDispatch.VideoSdkEmulator.Tests.Rooms;

public sealed class JoinFaultTests
{
    [Fact]
    public async Task Never_AnswersAssignedButTheAgentNeverJoins()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JoinDelay = TimeSpan.Zero });
        harness.State.SetJoinFaults([new JoinFault(JoinFaultKind.Never, AgentId: "agent-1")]);

        var (status, body) = await harness.DispatchJsonAsync(EmulatorHarness.Body("room-a", "agent-1"));
        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-b", "agent-2"));

        Assert.Equal(200, status);
        Assert.Equal("assigned", body.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(0, harness.State.PendingAgentJoins);
        Assert.Null(harness.State.GetRoom("room-a"));
        Assert.NotNull(harness.State.GetRoom("room-b"));
        Assert.Equal(1, harness.State.AgentJoins);
    }

    [Fact]
    public async Task Never_WithACount_HitsOnlyTheFirstMatchingDispatches()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JoinDelay = TimeSpan.Zero });
        harness.State.SetJoinFaults([new JoinFault(JoinFaultKind.Never, MeetingId: "room-a", Count: 1)]);

        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-b"));
        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-a"));
        var afterFirst = harness.State.GetRoom("room-a");
        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-a"));

        Assert.Null(afterFirst);
        Assert.Single(Assert.Single(harness.State.GetRoom("room-a")!.Sessions).Participants);
        Assert.Equal(0, Assert.Single(harness.State.JoinFaults).Count);
    }

    [Fact]
    public async Task Late_JoinsAfterTheFaultsDelayInsteadOfTheJoinDelay()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JoinDelay = TimeSpan.FromHours(1) });
        harness.State.SetJoinFaults([new JoinFault(JoinFaultKind.Late, MeetingId: "room-late", Delay: TimeSpan.FromMilliseconds(50))]);

        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-late"));
        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-normal"));
        await Eventually.TrueAsync(() => harness.State.AgentJoins == 1, "the late agent to join");

        Assert.NotNull(harness.State.GetRoom("room-late"));
        Assert.Null(harness.State.GetRoom("room-normal"));
        Assert.Equal(1, harness.State.PendingAgentJoins);
    }

    [Fact]
    public async Task Leave_JoinsThenLeavesAfterTheDelay_EndingTheSession()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JoinDelay = TimeSpan.Zero });
        harness.State.SetJoinFaults([new JoinFault(JoinFaultKind.Leave, AgentId: "agent-1", Delay: TimeSpan.FromMilliseconds(50))]);

        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-a", "agent-1"));
        var session = await Eventually.ReturnsAsync(
            () => harness.State.GetRoom("room-a")!.Sessions.Single(),
            s => s.Status == SessionInfo.Ended,
            "the agent to leave and the session to end");

        Assert.NotNull(Assert.Single(session.Participants).Timelog.Single().End);
        Assert.Equal(1, harness.State.AgentJoins);
    }

    [Fact]
    public async Task AgentStay_MakesEveryAgentLeaveAfterIt()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JoinDelay = TimeSpan.Zero, AgentStay = TimeSpan.FromMilliseconds(50) });
        harness.State.JoinParticipant("room-a", "Ann");

        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-a", "agent-1"));
        var session = await Eventually.ReturnsAsync(
            () => harness.State.GetRoom("room-a")!.Sessions.Single(),
            s => s.Participants.Count(p => p.IsActive) == 1,
            "the agent to leave");

        Assert.Equal("Ann", session.Participants.Single(p => p.IsActive).Name);
        Assert.Equal(SessionInfo.Ongoing, session.Status);
    }

    [Fact]
    public async Task LoseAnswer_DispatchesTheAgentButAbortsTheAnswer()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JoinDelay = TimeSpan.FromMilliseconds(50) });
        harness.State.SetJoinFaults([new JoinFault(JoinFaultKind.LoseAnswer, AgentId: "agent-1")]);

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => harness.DispatchAsync(EmulatorHarness.Body("room-a", "agent-1")));
        await Eventually.TrueAsync(() => harness.State.AgentJoins == 1, "the agent whose answer was lost to join");

        var record = Assert.Single(harness.State.Dispatches);
        Assert.Equal(EmulatedOutcome.Dropped, record.Outcome);
        Assert.True(record.Assigned);
        Assert.Null(record.Status);
        Assert.Equal("agent-1", Assert.Single(harness.State.GetRoom("room-a")!.Sessions.Single().Participants).Name);
    }

    [Fact]
    public async Task JoinFaults_HitOnlyAssignedDispatches()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JoinDelay = TimeSpan.Zero, RegisterDefaultWorker = false });
        harness.State.SetJoinFaults([new JoinFault(JoinFaultKind.LoseAnswer, Count: 1)]);

        var (status, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body());

        Assert.Equal(404, status);
        Assert.Equal(1, Assert.Single(harness.State.JoinFaults).Count);
    }

    [Fact]
    public async Task JoinFaults_PutGetDelete_OverHttp()
    {
        await using var harness = await EmulatorHarness.StartAsync();

        using var put = await harness.Http.PutAsync(
            "_emulator/join-faults",
            Json("""[{"agentId":"agent-1","kind":"late","delay":"00:00:02","count":3},{"meetingId":"room-a","kind":"loseWebhooks"}]"""));
        var (_, read) = await harness.GetJsonAsync("_emulator/join-faults", authorization: null);
        using var delete = await harness.Http.DeleteAsync("_emulator/join-faults");

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(2, read.GetArrayLength());
        Assert.Equal("late", read[0].GetProperty("kind").GetString());
        Assert.Equal("00:00:02", read[0].GetProperty("delay").GetString());
        Assert.Equal(3, read[0].GetProperty("count").GetInt32());
        Assert.Equal("loseWebhooks", read[1].GetProperty("kind").GetString());
        Assert.Equal("room-a", read[1].GetProperty("meetingId").GetString());
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Empty(harness.State.JoinFaults);
    }

    [Theory]
    [InlineData("""[{"kind":"late"}]""", "Join fault 0: delay is required for the late and leave join faults.")]
    [InlineData("""[{"kind":"never","count":-1}]""", "Join fault 0: count must not be negative.")]
    [InlineData("""[{"kind":"never"},{"kind":"leave","delay":"-00:00:01"}]""", "Join fault 1: delay must not be negative.")]
    [InlineData("""[{"agentId":"agent-1"}]""", "Malformed JSON body at $[0].")]
    [InlineData("""[{"kind":"sometimes"}]""", "Malformed JSON body at $[0].kind.")]
    public async Task JoinFaults_PutInvalid_Answers400AndKeepsTheOldOnes(string body, string expected)
    {
        await using var harness = await EmulatorHarness.StartAsync();
        harness.State.SetJoinFaults([new JoinFault(JoinFaultKind.Never)]);

        using var response = await harness.Http.PutAsync("_emulator/join-faults", Json(body));
        var answer = await EmulatorHarness.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(expected, answer.GetProperty("message").GetString());
        Assert.Equal([new JoinFault(JoinFaultKind.Never)], harness.State.JoinFaults);
    }

    [Fact]
    public async Task Reset_ClearsTheJoinFaults()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        harness.State.SetJoinFaults([new JoinFault(JoinFaultKind.Never)]);

        using var response = await harness.Http.PostAsync("_emulator/reset", content: null);

        Assert.Empty(harness.State.JoinFaults);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
