using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.Testing;
using AgentDispatch.VideoSdkEmulator.Faults;

namespace AgentDispatch.DevHost.Tests;

/// <summary>
/// Join confirmation as a newcomer meets it: the dev host starts its own emulator and points the
/// emulator's room webhooks at its own <c>/api/webhooks/videosdk</c>, so a dispatch ends <c>joined</c>;
/// the emulator's join faults show polling covering a lost webhook, a lost answer settled without a
/// second agent, and an agent that never comes.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class ConfirmationEndToEndTests(StorageFixture storage)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private Task<RunningDevHost> StartAsync(params string[] extra) => RunningDevHost.StartAsync(
        storage,
        [
            $"--DISPATCH_REQUESTS_QUEUE={AzuriteFixture.UniqueName("requests")}",
            $"--DISPATCH_WAKE_QUEUE={AzuriteFixture.UniqueName("wake")}",
            $"--Jobs:LedgerTable={AzuriteFixture.UniqueName("ledger")}",
            "--Emulator:JoinDelay=00:00:00.300",
            .. extra,
        ]);

    private static async Task<JsonNode> DispatchAsync(RunningDevHost host, string meetingId)
    {
        using var response = await host.Client.PostAsync(
            "api/dispatches", new StringContent($$"""{"meetingId":"{{meetingId}}","agentId":"MyAgent"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    /// <summary>Reads the job until it is in one of <paramref name="states"/>, within a generous deadline.</summary>
    private static Task<JsonNode> WaitForAsync(RunningDevHost host, string id, params string[] states) => host.WaitForJobAsync(id, Deadline, states);

    [Fact]
    public async Task FirstDispatch_ThroughTheDevHostsOwnEmulator_EndsJoinedByWebhook()
    {
        await using var host = await StartAsync();

        var created = await DispatchAsync(host, "cnf-webhook-room");
        var done = await WaitForAsync(host, (string)created["id"]!, "joined", "not-joined", "failed");

        Assert.Equal("assigned", (string?)created["state"]);
        Assert.NotNull((string?)created["confirmBy"]);
        Assert.Equal(("joined", "webhook"), ((string?)done["state"], (string?)done["confirmedBy"]));
        Assert.StartsWith("agt_", (string?)done["participantId"], StringComparison.Ordinal);
        Assert.NotNull((string?)done["joinedAt"]);
        Assert.Null((string?)done["confirmBy"]);
        Assert.True(host.Emulator!.State.Webhooks.Any(w => w.StatusCode == 200), "no webhook delivery was answered 200 by the app");
    }

    [Fact]
    public async Task WebhooksLost_PollingConfirmsTheJoin()
    {
        await using var host = await StartAsync();
        host.Emulator!.State.SetJoinFaults([new JoinFault(JoinFaultKind.LoseWebhooks)]);

        var created = await DispatchAsync(host, "cnf-lost-webhooks");
        var done = await WaitForAsync(host, (string)created["id"]!, "joined", "not-joined", "failed");

        Assert.Equal(("joined", "session-api"), ((string?)done["state"], (string?)done["confirmedBy"]));
        Assert.Empty(host.Emulator.State.Webhooks);
    }

    [Fact]
    public async Task AnswerLost_AgentFoundInTheRoom_EndsJoinedWithOneAgent()
    {
        await using var host = await StartAsync();
        host.Emulator!.State.SetJoinFaults([new JoinFault(JoinFaultKind.LoseAnswer)]);

        using var response = await host.Client.PostAsync(
            "api/dispatches", new StringContent("""{"meetingId":"cnf-lost-answer","agentId":"MyAgent"}""", Encoding.UTF8, "application/json"));
        var id = (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!;
        var done = await WaitForAsync(host, id, "joined", "not-joined", "failed");

        Assert.Equal("joined", (string?)done["state"]);
        Assert.Single(host.Emulator.State.Dispatches);
        Assert.Equal(0, host.Emulator.State.RoomsWithTwoAgents);
    }

    [Fact]
    public async Task AgentNeverComes_IsSentAgainOnce_ThenNotJoined()
    {
        await using var host = await StartAsync("--Confirmation:Timeout=00:00:05", "--Confirmation:PollInterval=00:00:01", "--Confirmation:MaxRedispatches=1");
        host.Emulator!.State.SetJoinFaults([new JoinFault(JoinFaultKind.Never)]);

        var created = await DispatchAsync(host, "cnf-never-room");
        var done = await WaitForAsync(host, (string)created["id"]!, "not-joined", "joined", "failed", "expired");

        Assert.Equal(("not-joined", 1), ((string?)done["state"], (int?)done["redispatches"]));
        Assert.Contains("not seen in the room", (string?)done["lastMessage"], StringComparison.Ordinal);
        Assert.Equal(2, host.Emulator.State.Dispatches.Count);
        Assert.Equal(0, host.Emulator.State.AgentJoins);
    }
}
