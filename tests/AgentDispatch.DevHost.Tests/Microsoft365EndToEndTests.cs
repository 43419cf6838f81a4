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
