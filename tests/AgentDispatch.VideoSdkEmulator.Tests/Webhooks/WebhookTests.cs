using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.VideoSdkEmulator.Faults;
using AgentDispatch.VideoSdkEmulator.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentDispatch.VideoSdkEmulator.Tests.Webhooks;

public sealed class WebhookTests
{
    [Fact]
    public async Task AgentJoin_PostsSignedSessionStartedThenParticipantJoined()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = await StartAsync(receiver.Url());

        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-a", "agent-1"));
        var received = await receiver.WaitForAsync(2);
        var (keyStatus, key) = await harness.GetJsonAsync("v2/public/rsa-public-key", authorization: null);
        var publicKey = key.GetProperty("publicKey").GetString()!;

        Assert.Equal(200, keyStatus);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", publicKey, StringComparison.Ordinal);
        Assert.Equal(["session-started", "participant-joined"], received.Select(r => r.Type));
        Assert.All(received, r => Assert.True(TestKeys.Verifies(publicKey, r.Body, r.Signature), $"signature of {r}"));
        var session = harness.State.GetRoom("room-a")!.Sessions.Single();
        var started = received[0].Data;
        Assert.Equal("room-a", started.GetProperty("meetingId").GetString());
        Assert.Equal(session.Id, started.GetProperty("sessionId").GetString());
        Assert.EndsWith("Z", started.GetProperty("start").GetString(), StringComparison.Ordinal);
        var joined = received[1].Data;
        Assert.Equal(session.Participants.Single().ParticipantId, joined.GetProperty("participantId").GetString());
        Assert.Equal("agent-1", joined.GetProperty("participantName").GetString());
        Assert.True(joined.TryGetProperty("joinedAt", out _));
        Assert.False(joined.TryGetProperty("reason", out _));
    }

    [Fact]
    public async Task Signature_DoesNotVerifyATamperedBody()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = await StartAsync(receiver.Url());

        harness.State.JoinParticipant("room-a", "Ann");
        var first = (await receiver.WaitForAsync(1))[0];
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(first.Body).Replace("room-a", "room-b", StringComparison.Ordinal));

        Assert.True(TestKeys.Verifies(harness.State.WebhookPublicKeyPem, first.Body, first.Signature));
        Assert.False(TestKeys.Verifies(harness.State.WebhookPublicKeyPem, tampered, first.Signature));
    }

    [Fact]
    public async Task WithoutAConfiguredKey_AKeyIsMadeAndServed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JoinDelay = TimeSpan.Zero, WebhookUrl = receiver.Url() });

        harness.State.JoinParticipant("room-a", "Ann");
        var received = await receiver.WaitForAsync(2);
        var (_, key) = await harness.GetJsonAsync("v2/public/rsa-public-key", authorization: null);

        Assert.All(received, r => Assert.True(TestKeys.Verifies(key.GetProperty("publicKey").GetString()!, r.Body, r.Signature)));
    }

    [Fact]
    public async Task LeaveAndEnd_PostParticipantLeftAndSessionEndedWithReasons()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = await StartAsync(receiver.Url());
        var ann = harness.State.JoinParticipant("room-a", "Ann");
        harness.State.JoinParticipant("room-a", "Bob");

        harness.State.RemoveParticipant("room-a", ann.ParticipantId);
        harness.State.EndRoom("room-a");
        var received = await receiver.WaitForAsync(6);

        Assert.Equal(
            ["session-started", "participant-joined", "participant-joined", "participant-left", "participant-left", "session-ended"],
            received.Select(r => r.Type));
        Assert.Equal("user-left", received[3].Data.GetProperty("reason").GetString());
        Assert.Equal("Ann", received[3].Data.GetProperty("participantName").GetString());
        Assert.True(received[3].Data.TryGetProperty("leftAt", out _));
        Assert.Equal("meeting-ended", received[4].Data.GetProperty("reason").GetString());
        var ended = received[5].Data;
        Assert.Equal("meeting-ended", ended.GetProperty("reason").GetString());
        Assert.True(ended.TryGetProperty("start", out _));
        Assert.True(ended.TryGetProperty("end", out _));
    }

    [Fact]
    public async Task RoomWithItsOwnWebhook_GetsOnlyTheEventsItAskedFor_AtItsOwnEndpoint()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = await StartAsync(receiver.Url("default"));
        var (status, room) = await harness.PostJsonAsync(
            "v2/rooms", RoomBody(receiver.Url("own"), "participant*"));
        var roomId = room.GetProperty("roomId").GetString()!;

        await harness.DispatchJsonAsync(EmulatorHarness.Body(roomId, "agent-1"));
        harness.State.EndRoom(roomId);
        harness.State.JoinParticipant("other-room", "Ann");
        await receiver.WaitForAsync(4);
        await Eventually.TrueAsync(() => harness.State.PendingWebhooks == 0, "every webhook to be tried");

        Assert.Equal(200, status);
        Assert.Equal(receiver.Url("own"), room.GetProperty("webhook").GetProperty("endPoint").GetString());
        var own = receiver.Received.Where(r => r.Path == "/own").Select(r => r.Type);
        var fallback = receiver.Received.Where(r => r.Path == "/default").Select(r => r.Type);
        Assert.Equal(["participant-joined", "participant-left"], own);
        Assert.Equal(["session-started", "participant-joined"], fallback);
    }

    [Fact]
    public async Task WithoutAnyWebhookUrl_NothingIsSent()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JoinDelay = TimeSpan.Zero });

        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-a"));

        Assert.Equal(0, harness.State.PendingWebhooks);
        Assert.Empty(harness.State.Webhooks);
    }

    [Fact]
    public async Task FailingReceiver_IsRetriedUntilItAccepts_AndEveryAttemptIsRecorded()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = await StartAsync(webhookUrl: null);
        var (_, room) = await harness.PostJsonAsync("v2/rooms", RoomBody(receiver.Url(), "session-started"));
        receiver.AnswerNext(500, 503);

        harness.State.JoinParticipant(room.GetProperty("roomId").GetString()!, "Ann");
        await receiver.WaitForAsync(3);
        await Eventually.TrueAsync(() => harness.State.PendingWebhooks == 0, "the webhook to be delivered");
        var (_, deliveries) = await harness.GetJsonAsync("_emulator/webhooks", authorization: null);
        var (_, stats) = await harness.GetJsonAsync("_emulator/stats", authorization: null);

        Assert.Equal([1, 2, 3], deliveries.EnumerateArray().Select(d => d.GetProperty("attempt").GetInt32()));
        Assert.Equal([500, 503, 200], deliveries.EnumerateArray().Select(d => d.GetProperty("statusCode").GetInt32()));
        Assert.All(deliveries.EnumerateArray(), d => Assert.Equal("session-started", d.GetProperty("webhookType").GetString()));
        Assert.All(deliveries.EnumerateArray(), d => Assert.Equal(receiver.Url(), d.GetProperty("url").GetString()));
        Assert.Equal(1, stats.GetProperty("webhooksSent").GetInt64());
        Assert.Equal(0, stats.GetProperty("webhooksFailed").GetInt64());
    }

    [Fact]
    public async Task ReceiverRefusingWith400_IsNotRetried_AndCountsAsFailed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = await StartAsync(webhookUrl: null);
        var (_, room) = await harness.PostJsonAsync("v2/rooms", RoomBody(receiver.Url(), "session-started"));
        receiver.AnswerNext(400);

        harness.State.JoinParticipant(room.GetProperty("roomId").GetString()!, "Ann");
        await Eventually.TrueAsync(() => harness.State.Stats.WebhooksFailed == 1, "the refused webhook to count as failed");

        var delivery = Assert.Single(harness.State.Webhooks);
        Assert.Equal(400, delivery.StatusCode);
        Assert.False(delivery.Delivered);
        Assert.Single(receiver.Received);
    }

    [Fact]
    public async Task UnreachableReceiver_IsTriedThreeTimes_AndNothingReachesTheDispatchPath()
    {
        // Port 1 is privileged, so no test can be listening there: every connection is refused.
        await using var harness = await StartAsync("http://127.0.0.1:1/hooks");

        var (status, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body("room-a"));
        await Eventually.TrueAsync(() => harness.State.Stats.WebhooksFailed == 2, "both webhooks to be given up");

        Assert.Equal(200, status);
        Assert.Equal(6, harness.State.Webhooks.Count);
        Assert.All(harness.State.Webhooks, d => Assert.Null(d.StatusCode));
        Assert.All(harness.State.Webhooks, d => Assert.False(string.IsNullOrEmpty(d.Error)));
        Assert.Equal(1, harness.State.AgentJoins);
    }

    [Fact]
    public async Task LoseWebhooks_TheAgentJoinsButNoWebhookTellsOfIt()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = await StartAsync(receiver.Url());
        harness.State.SetJoinFaults([new JoinFault(JoinFaultKind.LoseWebhooks, AgentId: "agent-1")]);

        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-a", "agent-1"));
        harness.State.JoinParticipant("room-a", "Ann");
        await receiver.WaitForAsync(1);
        await Eventually.TrueAsync(() => harness.State.PendingWebhooks == 0, "every webhook to be tried");

        Assert.Equal(2, harness.State.GetRoom("room-a")!.Sessions.Single().Participants.Count);
        var only = Assert.Single(receiver.Received);
        Assert.Equal("participant-joined", only.Type);
        Assert.Equal("Ann", only.Data.GetProperty("participantName").GetString());
    }

    [Fact]
    public async Task DeleteWebhooks_ClearsTheRecord()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = await StartAsync(receiver.Url());
        harness.State.JoinParticipant("room-a", "Ann");
        await Eventually.TrueAsync(() => harness.State.Webhooks.Count == 2, "both webhooks to be recorded");

        using var response = await harness.Http.DeleteAsync("_emulator/webhooks");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(harness.State.Webhooks);
        Assert.Equal(0, harness.State.Stats.WebhooksSent);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("/relative/hooks")]
    [InlineData("ftp://example.com/hooks")]
    public void AddVideoSdkEmulator_WithAWebhookUrlThatIsNoHttpUrl_Throws(string url)
    {
        var ex = Assert.Throws<OptionsValidationException>(
            () => new ServiceCollection().AddVideoSdkEmulator(new EmulatorOptions { WebhookUrl = url }));

        Assert.Contains("Emulator:WebhookUrl", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddVideoSdkEmulator_WithAKeyThatIsNoPem_Throws()
    {
        var ex = Assert.Throws<OptionsValidationException>(
            () => new ServiceCollection().AddVideoSdkEmulator(new EmulatorOptions { WebhookPrivateKeyPem = "not a key" }));

        Assert.Contains("Emulator:WebhookPrivateKeyPem", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddVideoSdkEmulator_WithANegativeJoinDelay_Throws()
    {
        var ex = Assert.Throws<OptionsValidationException>(
            () => new ServiceCollection().AddVideoSdkEmulator(new EmulatorOptions { JoinDelay = TimeSpan.FromSeconds(-1) }));

        Assert.Contains("Emulator:JoinDelay", ex.Message, StringComparison.Ordinal);
    }

    private static Task<EmulatorHarness> StartAsync(string? webhookUrl) =>
        EmulatorHarness.StartAsync(new EmulatorOptions
        {
            JoinDelay = TimeSpan.Zero,
            WebhookUrl = webhookUrl,
            WebhookPrivateKeyPem = TestKeys.PrivateKeyPem,
        });

    private static string RoomBody(string endPoint, params string[] events) =>
        new JsonObject
        {
            ["webhook"] = new JsonObject { ["endPoint"] = endPoint, ["events"] = new JsonArray(events.Select(e => JsonValue.Create(e)).ToArray<JsonNode?>()) },
        }.ToJsonString();
}
