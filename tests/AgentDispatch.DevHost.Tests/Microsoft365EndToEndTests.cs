using System.Net;
using AgentDispatch.GraphEmulator;
using AgentDispatch.Jobs;
using AgentDispatch.Microsoft365;
using AgentDispatch.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentDispatch.DevHost.Tests;

/// <summary>
/// A Microsoft 365 mailbox end to end through the dev host over real HTTP: with a mailbox configured and
/// no Graph URL, the dev host starts the Graph stand-in, subscribes (the stand-in's validation call is
/// answered by the app's own webhook function), and a meeting added in the stand-in reaches the ledger
/// through the notification, the queue function and the delta — and shows on the status page.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class Microsoft365EndToEndTests(StorageFixture storage)
{
    private const string Mailbox = "boardroom@contoso.example";

    [Fact]
    public async Task MeetingAddedInTheStandIn_BecomesAJob_ThroughTheDevHostsOwnWebhookAndQueue()
    {
        await using var host = await RunningDevHost.StartAsync(
            storage,
            "--DevHost:GraphEmulatorUrl=http://127.0.0.1:0",
            "--Microsoft365:Mailboxes:0:Name=boardroom",
            $"--Microsoft365:Mailboxes:0:Mailbox={Mailbox}",
            "--Microsoft365:Mailboxes:0:AgentId=boardroom-agent",
            $"--Microsoft365:StateTable={AzuriteFixture.UniqueName("mailboxes")}",
            $"--MICROSOFT365_QUEUE={AzuriteFixture.UniqueName("m365")}",
            $"--Jobs:LedgerTable={AzuriteFixture.UniqueName("ledger")}");
        var graph = host.App.Services.GetRequiredService<RunningGraphEmulator>();
        Assert.True(await Eventually(() => Task.FromResult(graph.State.Subscriptions.Count == 1)), "the dev host did not subscribe the mailbox");
        var store = host.App.Services.GetRequiredService<MailboxStateStore>();
        Assert.True(await Eventually(async () => (await store.GetAsync("boardroom", CancellationToken.None))?.DeltaLink is not null), "the first sync did not finish");

        var start = DateTimeOffset.UtcNow.AddHours(3);
        start = new DateTimeOffset(start.Year, start.Month, start.Day, start.Hour, 0, 0, TimeSpan.Zero);
        var id = graph.State.AddEvent(Mailbox, "Board meeting", start, joinUrl: "https://app.videosdk.live/meeting/bord-room-0001");

        var ledger = host.App.Services.GetRequiredService<DispatchLedger>();
        DispatchJob? job = null;
        Assert.True(await Eventually(async () => (job = await ledger.ResolveAsync($"microsoft365:boardroom\n{id}", CancellationToken.None)) is not null), "no job for the meeting");
        Assert.Equal("bord-room-0001", job!.MeetingId);
        Assert.Equal("boardroom-agent", job.AgentId);
        Assert.Equal(start, job.DispatchAt);
        Assert.Contains(graph.State.Notifications, n => n.Kind == "change:created" && n.Status == (int)HttpStatusCode.Accepted);

        var page = await host.Client.GetStringAsync("api/status");
        Assert.Contains("data-mailbox=\"boardroom\"", page, StringComparison.Ordinal);
        Assert.Contains(Mailbox, page, StringComparison.Ordinal);
        Assert.DoesNotContain(graph.State.Subscriptions[0].ClientState!, page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MailboxAddedThroughTheApi_IsFollowedWithoutARestart_AndItsJobsAreCancelledWhenItIsDeleted()
    {
        const string rooms = "rooms@contoso.example";
        await using var host = await RunningDevHost.StartAsync(
            storage,
            "--DevHost:GraphEmulatorUrl=http://127.0.0.1:0",
            $"--Microsoft365:StateTable={AzuriteFixture.UniqueName("mailboxes")}",
            $"--MICROSOFT365_QUEUE={AzuriteFixture.UniqueName("m365")}",
            $"--Sources:Table={AzuriteFixture.UniqueName("sources")}",
            $"--Jobs:LedgerTable={AzuriteFixture.UniqueName("ledger")}");

        // No mailbox in the settings: the dev host started the stand-in all the same, and the mailbox exists only there.
        var graph = host.App.Services.GetRequiredService<RunningGraphEmulator>();
        graph.State.AddMailbox(rooms);
        using var created = await host.Client.PostAsync("api/calendars", new StringContent(
            $$"""{"name":"rooms","source":"microsoft365","mailbox":"{{rooms}}","agentId":"rooms-agent"}""", System.Text.Encoding.UTF8, "application/json"));
        var view = System.Text.Json.Nodes.JsonNode.Parse(await created.Content.ReadAsStringAsync())!;

        // The next pass of the maintenance timer (run here rather than waited for) subscribes and syncs it.
        await host.App.Services.GetRequiredService<MailboxMaintenance>().RunAsync(CancellationToken.None);
        Assert.True(await Eventually(() => Task.FromResult(graph.State.Subscriptions.Count == 1)), "the mailbox added through the API was not subscribed");
        var store = host.App.Services.GetRequiredService<MailboxStateStore>();
        Assert.True(await Eventually(async () => (await store.GetAsync("rooms", CancellationToken.None))?.DeltaLink is not null), "the first sync did not finish");

        var start = DateTimeOffset.UtcNow.AddHours(5);
        start = new DateTimeOffset(start.Year, start.Month, start.Day, start.Hour, 0, 0, TimeSpan.Zero);
        var id = graph.State.AddEvent(rooms, "Planning", start, joinUrl: "https://app.videosdk.live/meeting/plan-room-0001");
        var ledger = host.App.Services.GetRequiredService<DispatchLedger>();
        DispatchJob? job = null;
        Assert.True(await Eventually(async () => (job = await ledger.ResolveAsync($"microsoft365:rooms\n{id}", CancellationToken.None)) is not null), "no job for the meeting");
        var shown = System.Text.Json.Nodes.JsonNode.Parse(await host.Client.GetStringAsync("api/calendars/rooms"))!;
        var listed = System.Text.Json.Nodes.JsonNode.Parse(await host.Client.GetStringAsync("api/calendars"))!;

        using var deleted = await host.Client.DeleteAsync("api/calendars/rooms");
        var cancelled = await ledger.GetAsync(job!.Id, CancellationToken.None);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("microsoft365", (string?)view["source"]);
        Assert.Equal(rooms, (string?)view["mailbox"]);
        Assert.Equal("plan-room-0001", job.MeetingId);
        Assert.Equal("rooms-agent", job.AgentId);
        Assert.Equal("microsoft365:rooms", job.Origin);
        Assert.NotNull((string?)shown["lastSyncAt"]);
        Assert.Null((string?)shown["lastError"]);
        Assert.Contains(listed["items"]!.AsArray(), c => (string?)c!["name"] == "rooms" && (bool?)c["readOnly"] == false);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(JobState.Cancelled, cancelled!.State);
        Assert.Contains("deleted through the API", cancelled.LastMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidationHandshake_EchoesTheTokenAsPlainText()
    {
        await using var host = await RunningDevHost.StartAsync(storage, $"--Jobs:LedgerTable={AzuriteFixture.UniqueName("ledger")}");

        using var response = await host.Client.PostAsync("api/webhooks/microsoft365?validationToken=Validation%3A%20token%20%3Cb%3E", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Validation: token <b>", await response.Content.ReadAsStringAsync());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    private static async Task<bool> Eventually(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < until)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return await condition();
    }
}
