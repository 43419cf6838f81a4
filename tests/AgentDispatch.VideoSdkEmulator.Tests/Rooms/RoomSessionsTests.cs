using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentDispatch.VideoSdkEmulator.Rooms;
using AgentDispatch.VideoSdkEmulator.Tests.TestSupport;

namespace AgentDispatch.VideoSdkEmulator.Tests.Rooms;

public sealed class RoomSessionsTests
{
    private static readonly TimeSpan ShortJoinDelay = TimeSpan.FromMilliseconds(50);

    [Fact]
    public async Task Dispatch_AfterTheJoinDelay_AgentIsActiveInTheOngoingSession()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JoinDelay = ShortJoinDelay });

        var (status, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body("room-a", "agent-1"));
        var (_, sessions) = await Eventually.ReturnsAsync(
            () => harness.GetJsonAsync("v2/sessions?roomId=room-a&status=ongoing"),
            answer => answer.Body.GetProperty("data").GetArrayLength() == 1,
            "an ongoing session in room-a");
        var session = sessions.GetProperty("data")[0];
        var (activeStatus, active) = await harness.GetJsonAsync($"v2/sessions/{session.GetProperty("id").GetString()}/participants/active");

        Assert.Equal(200, status);
        Assert.Equal("room-a", session.GetProperty("roomId").GetString());
        Assert.Equal("ongoing", session.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, session.GetProperty("end").ValueKind);
        Assert.True(Guid.TryParse(session.GetProperty("id").GetString(), out _));
        Assert.EndsWith("Z", session.GetProperty("start").GetString(), StringComparison.Ordinal);
        Assert.Equal(200, activeStatus);
        var participant = Assert.Single(active.GetProperty("data").EnumerateArray());
        Assert.Equal("agent-1", participant.GetProperty("name").GetString());
        Assert.Matches("^agt_[0-9a-f]{8}$", participant.GetProperty("participantId").GetString());
        var timelog = Assert.Single(participant.GetProperty("timelog").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, timelog.GetProperty("end").ValueKind);
        Assert.Equal(1, active.GetProperty("pageInfo").GetProperty("total").GetInt32());
        Assert.Equal(1, harness.State.AgentJoins);
    }

    [Fact]
    public async Task Dispatch_ToAWorkerWithAParticipantName_JoinsUnderThatName()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JoinDelay = TimeSpan.Zero });
        using var registered = await harness.Http.PostAsync(
            "_emulator/workers",
            new StringContent("""{"id":"w1","agentId":"agent-1","participantName":"Receptionist"}""", System.Text.Encoding.UTF8, "application/json"));

        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-a", "agent-1"));

        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var participant = Assert.Single(Assert.Single(harness.State.GetRoom("room-a")!.Sessions).Participants);
        Assert.Equal("Receptionist", participant.Name);
        Assert.Equal("agent-1", participant.AgentId);
    }

    [Fact]
    public async Task Dispatch_JoinsWithoutHoldingUpTheAnswer()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JoinDelay = TimeSpan.FromHours(1) });

        var (status, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body("room-a"));

        Assert.Equal(200, status);
        Assert.Equal(1, harness.State.PendingAgentJoins);
        Assert.Empty(harness.State.Rooms);
    }

    [Fact]
    public async Task TwoDispatchesOfOneAgentToOneRoom_CountAsARoomWithTwoAgents()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JoinDelay = TimeSpan.Zero });

        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-a", "agent-1"));
        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-a", "agent-1"));
        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-b", "agent-1"));
        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-b", "agent-2"));
        var (_, stats) = await harness.GetJsonAsync("_emulator/stats", authorization: null);

        Assert.Equal(1, harness.State.RoomsWithTwoAgents);
        Assert.Equal(4, harness.State.AgentJoins);
        Assert.Equal(1, stats.GetProperty("roomsWithTwoAgents").GetInt32());
        Assert.Equal(4, stats.GetProperty("agentJoins").GetInt32());
        Assert.Equal(0, stats.GetProperty("webhooksSent").GetInt64());
        Assert.Equal(0, stats.GetProperty("webhooksFailed").GetInt64());
        Assert.Equal(0, stats.GetProperty("roomApiRequests").GetInt64());
    }

    [Fact]
    public async Task RoomApiRequests_CountEverySessionsCall_AndResetClearsThem()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JoinDelay = TimeSpan.Zero });
        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-a", "agent-1"));

        await harness.GetJsonAsync("v2/sessions?roomId=room-a&status=ongoing");
        await harness.GetJsonAsync("v2/sessions?roomId=room-b");
        var counted = harness.State.RoomApiRequests;
        harness.State.Reset();

        Assert.Equal(2, counted);
        Assert.Equal(0, harness.State.RoomApiRequests);
    }

    [Fact]
    public async Task SameAgentAgainAfterTheFirstLeft_IsNotARoomWithTwoAgents()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JoinDelay = TimeSpan.Zero });
        harness.State.JoinParticipant("room-a", "Ann");
        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-a", "agent-1"));
        var first = harness.State.GetRoom("room-a")!.Sessions[0].Participants.Single(p => p.AgentId is not null);

        Assert.True(harness.State.RemoveParticipant("room-a", first.ParticipantId));
        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-a", "agent-1"));

        Assert.Equal(0, harness.State.RoomsWithTwoAgents);
        Assert.Equal(2, harness.State.AgentJoins);
    }

    [Fact]
    public async Task Participants_ArePaged()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JoinDelay = TimeSpan.Zero });
        for (var i = 0; i < 25; i++)
        {
            harness.State.JoinParticipant("room-a", $"guest-{i}");
        }

        var sessionId = harness.State.GetRoom("room-a")!.Sessions.Single().Id;

        var (_, firstPage) = await harness.GetJsonAsync($"v2/sessions/{sessionId}/participants/active");
        var (_, thirdPage) = await harness.GetJsonAsync($"v2/sessions/{sessionId}/participants/active?page=3&perPage=10");
        var (_, pastTheEnd) = await harness.GetJsonAsync($"v2/sessions/{sessionId}/participants?page=9&perPage=10");

        Assert.Equal(20, firstPage.GetProperty("data").GetArrayLength());
        AssertPageInfo(firstPage, currentPage: 1, perPage: 20, lastPage: 2, total: 25);
        Assert.Equal(
            ["guest-20", "guest-21", "guest-22", "guest-23", "guest-24"],
            thirdPage.GetProperty("data").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        AssertPageInfo(thirdPage, currentPage: 3, perPage: 10, lastPage: 3, total: 25);
        Assert.Equal(0, pastTheEnd.GetProperty("data").GetArrayLength());
    }

    [Theory]
    [InlineData("page=0")]
    [InlineData("perPage=-1")]
    [InlineData("page=two")]
    public async Task Participants_WithBadPaging_Answer400(string query)
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JoinDelay = TimeSpan.Zero });
        harness.State.JoinParticipant("room-a", "Ann");
        var sessionId = harness.State.GetRoom("room-a")!.Sessions.Single().Id;

        var (status, body) = await harness.GetJsonAsync($"v2/sessions/{sessionId}/participants/active?{query}");

        Assert.Equal(400, status);
        Assert.Contains("positive integer", body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Participants_ActiveLeavesOutThoseWhoLeft_AllKeepsThem()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JoinDelay = TimeSpan.Zero });
        var ann = harness.State.JoinParticipant("room-a", "Ann");
        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-a", "agent-1"));
        var sessionId = harness.State.GetRoom("room-a")!.Sessions.Single().Id;

        using var left = await harness.Http.DeleteAsync($"_emulator/rooms/room-a/participants/{ann.ParticipantId}");
        var (_, active) = await harness.GetJsonAsync($"v2/sessions/{sessionId}/participants/active");
        var (_, all) = await harness.GetJsonAsync($"v2/sessions/{sessionId}/participants");

        Assert.Equal(HttpStatusCode.NoContent, left.StatusCode);
        Assert.Equal(["agent-1"], active.GetProperty("data").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal(["Ann", "agent-1"], all.GetProperty("data").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        var annLog = all.GetProperty("data")[0].GetProperty("timelog")[0];
        Assert.Equal(JsonValueKind.String, annLog.GetProperty("end").ValueKind);
    }

    [Fact]
    public async Task HumanJoin_ThroughTheControlRoute_Answers201AndStartsASession()
    {
        await using var harness = await EmulatorHarness.StartAsync();

        var (status, participant) = await harness.PostJsonAsync("_emulator/rooms/room-a/participants", """{"name":"Ann"}""", authorization: null);
        var (_, rooms) = await harness.GetJsonAsync("_emulator/rooms", authorization: null);

        Assert.Equal(201, status);
        Assert.Equal("Ann", participant.GetProperty("name").GetString());
        Assert.False(participant.TryGetProperty("agentId", out _));
        var room = Assert.Single(rooms.EnumerateArray());
        Assert.Equal("room-a", room.GetProperty("roomId").GetString());
        var session = Assert.Single(room.GetProperty("sessions").EnumerateArray());
        Assert.Equal("ongoing", session.GetProperty("status").GetString());
        Assert.Equal(participant.GetProperty("participantId").GetString(), session.GetProperty("participants")[0].GetProperty("participantId").GetString());
    }

    [Fact]
    public async Task HumanJoin_WithoutAName_Answers400()
    {
        await using var harness = await EmulatorHarness.StartAsync();

        var (status, body) = await harness.PostJsonAsync("_emulator/rooms/room-a/participants", "{}", authorization: null);

        Assert.Equal(400, status);
        Assert.Equal("name is required.", body.GetProperty("message").GetString());
        Assert.Empty(harness.State.Rooms);
    }

    [Fact]
    public async Task RemoveParticipant_Unknown_Answers404()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        harness.State.JoinParticipant("room-a", "Ann");

        using var response = await harness.Http.DeleteAsync("_emulator/rooms/room-a/participants/nobody");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task EndRoom_EveryoneLeavesAndTheNextJoinStartsANewSession()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JoinDelay = TimeSpan.Zero });
        harness.State.JoinParticipant("room-a", "Ann");
        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-a", "agent-1"));

        using var ended = await harness.Http.PostAsync("_emulator/rooms/room-a/end", content: null);
        var (_, endedSessions) = await harness.GetJsonAsync("v2/sessions?roomId=room-a&status=ended");
        harness.State.JoinParticipant("room-a", "Bob");
        var (_, allSessions) = await harness.GetJsonAsync("v2/sessions?roomId=room-a");

        Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        var session = Assert.Single(endedSessions.GetProperty("data").EnumerateArray());
        Assert.Equal("ended", session.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.String, session.GetProperty("end").ValueKind);
        Assert.All(session.GetProperty("participants").EnumerateArray(), p => Assert.Equal(JsonValueKind.String, p.GetProperty("timelog")[0].GetProperty("end").ValueKind));
        Assert.Equal(["ongoing", "ended"], allSessions.GetProperty("data").EnumerateArray().Select(s => s.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task EndRoom_Unknown_Answers404()
    {
        await using var harness = await EmulatorHarness.StartAsync();

        using var response = await harness.Http.PostAsync("_emulator/rooms/nowhere/end", content: null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task LastParticipantLeaving_EndsTheSession()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        var ann = harness.State.JoinParticipant("room-a", "Ann");

        harness.State.RemoveParticipant("room-a", ann.ParticipantId);

        var session = Assert.Single(harness.State.GetRoom("room-a")!.Sessions);
        Assert.Equal(SessionInfo.Ended, session.Status);
        Assert.NotNull(session.End);
    }

    [Fact]
    public async Task GetSession_ById_AnswersTheSession_Unknown_Answers404()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        harness.State.JoinParticipant("room-a", "Ann");
        var sessionId = harness.State.GetRoom("room-a")!.Sessions.Single().Id;

        var (status, session) = await harness.GetJsonAsync($"v2/sessions/{sessionId}");
        var (missingStatus, missing) = await harness.GetJsonAsync("v2/sessions/no-such-session");

        Assert.Equal(200, status);
        Assert.Equal(sessionId, session.GetProperty("id").GetString());
        Assert.Equal("Ann", session.GetProperty("participants")[0].GetProperty("name").GetString());
        Assert.Equal(404, missingStatus);
        Assert.Equal("Session not found", missing.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Sessions_WithAnUnknownStatus_Answer400()
    {
        await using var harness = await EmulatorHarness.StartAsync();

        var (status, body) = await harness.GetJsonAsync("v2/sessions?status=live");

        Assert.Equal(400, status);
        Assert.Equal("status must be ongoing or ended.", body.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("v2/sessions")]
    [InlineData("v2/sessions/any")]
    [InlineData("v2/sessions/any/participants")]
    [InlineData("v2/sessions/any/participants/active")]
    public async Task SessionRoutes_WithoutAuthorization_Answer401(string path)
    {
        await using var harness = await EmulatorHarness.StartAsync();

        var (status, body) = await harness.GetJsonAsync(path, authorization: null);

        Assert.Equal(401, status);
        Assert.Equal("Unauthorized", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task SessionRoutes_InTokenMode_RefuseABadTokenAndTakeAGoodOne()
    {
        await using var harness = await EmulatorHarness.StartAsync(Tokens.Options());

        var (badStatus, bad) = await harness.GetJsonAsync("v2/sessions", authorization: "not-a-token");
        var (goodStatus, _) = await harness.GetJsonAsync("v2/sessions", authorization: Tokens.Mint());
        var (roomStatus, _) = await harness.PostJsonAsync("v2/rooms", "{}", authorization: "not-a-token");

        Assert.Equal(401, badStatus);
        Assert.Equal("Invalid token", bad.GetProperty("message").GetString());
        Assert.Equal(200, goodStatus);
        Assert.Equal(401, roomStatus);
    }

    [Fact]
    public async Task CreateRoom_AnswersAVideoSdkStyleRoomId_AndTheSameCustomIdGivesTheSameRoom()
    {
        await using var harness = await EmulatorHarness.StartAsync();

        var (status, first) = await harness.PostJsonAsync("v2/rooms", """{"customRoomId":"standup"}""");
        var (_, second) = await harness.PostJsonAsync("v2/rooms", """{"customRoomId":"standup"}""");
        var (_, other) = await harness.PostJsonAsync("v2/rooms", "{}");

        Assert.Equal(200, status);
        Assert.Matches(new Regex("^[a-z]{4}-[a-z]{4}-[a-z]{4}$"), first.GetProperty("roomId").GetString());
        Assert.Equal("standup", first.GetProperty("customRoomId").GetString());
        Assert.Equal(first.GetProperty("roomId").GetString(), second.GetProperty("roomId").GetString());
        Assert.NotEqual(first.GetProperty("roomId").GetString(), other.GetProperty("roomId").GetString());
        Assert.Equal(2, harness.State.Rooms.Count);
    }

    [Fact]
    public async Task CreateRoom_WithAWebhookThatIsNoUrl_Answers400()
    {
        await using var harness = await EmulatorHarness.StartAsync();

        var (status, body) = await harness.PostJsonAsync("v2/rooms", """{"webhook":{"endPoint":"not a url","events":["session*"]}}""");

        Assert.Equal(400, status);
        Assert.Contains("webhook.endPoint", body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sessions_FilterByCustomRoomId()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        var (_, room) = await harness.PostJsonAsync("v2/rooms", """{"customRoomId":"standup"}""");
        harness.State.JoinParticipant(room.GetProperty("roomId").GetString()!, "Ann");
        harness.State.JoinParticipant("elsewhere", "Bob");

        var (_, sessions) = await harness.GetJsonAsync("v2/sessions?customRoomId=standup");

        var session = Assert.Single(sessions.GetProperty("data").EnumerateArray());
        Assert.Equal(room.GetProperty("roomId").GetString(), session.GetProperty("roomId").GetString());
    }

    [Fact]
    public async Task Reset_ClearsRoomsAndCallsBackAgentsOnTheirWay()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JoinDelay = TimeSpan.FromHours(1) });
        harness.State.JoinParticipant("room-a", "Ann");
        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-b"));
        Assert.Equal(1, harness.State.PendingAgentJoins);

        using var response = await harness.Http.PostAsync("_emulator/reset", content: null);
        var (_, sessions) = await harness.GetJsonAsync("v2/sessions");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(harness.State.Rooms);
        Assert.Equal(0, harness.State.PendingAgentJoins);
        Assert.Equal(0, harness.State.AgentJoins);
        Assert.Equal(0, sessions.GetProperty("pageInfo").GetProperty("total").GetInt32());
    }

    private static void AssertPageInfo(JsonElement body, int currentPage, int perPage, int lastPage, int total)
    {
        var pageInfo = body.GetProperty("pageInfo");
        Assert.Equal(currentPage, pageInfo.GetProperty("currentPage").GetInt32());
        Assert.Equal(perPage, pageInfo.GetProperty("perPage").GetInt32());
        Assert.Equal(lastPage, pageInfo.GetProperty("lastPage").GetInt32());
        Assert.Equal(total, pageInfo.GetProperty("total").GetInt32());
    }
}
