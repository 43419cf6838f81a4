using AgentDispatch.Core.Tests.Jobs;
using AgentDispatch.GraphEmulator;
using AgentDispatch.Jobs;
using AgentDispatch.Microsoft365;
using AgentDispatch.Storage;
using AgentDispatch.Testing;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AgentDispatch.Core.Tests.Microsoft365;

/// <summary>
/// The mailbox services as the app registers them (real Azurite, the real Graph SDK client) against the
/// Graph stand-in on loopback, whose notifications reach a loopback endpoint that does what the webhook
/// function does: echo the validation token, hand the body to <see cref="GraphNotificationReceiver"/>.
/// <see cref="PumpAsync"/> does what the queue trigger does.
/// </summary>
internal sealed class Microsoft365Harness : IAsyncDisposable
{
    public const string Mailbox = "team@contoso.example";
    public const string Agent = "m365-agent";

    private readonly QueueClient _queue;

    private Microsoft365Harness(JobsHarness jobs, RunningGraphEmulator graph, LoopbackServer webhook, QueueClient queue)
    {
        Jobs = jobs;
        Graph = graph;
        Webhook = webhook;
        _queue = queue;
    }

    public JobsHarness Jobs { get; }

    public RunningGraphEmulator Graph { get; }

    public GraphState Stand => Graph.State;

    public LoopbackServer Webhook { get; }

    public MailboxDefinition Team { get; } = new("team", Mailbox);

    public T Get<T>()
        where T : notnull => Jobs.Services.Get<T>();

    public static async Task<Microsoft365Harness> StartAsync(
        AzuriteFixture azurite, string mailbox = Mailbox, bool inStandIn = true, FakeTimeProvider? time = null, IDictionary<string, string?>? settings = null)
    {
        var graph = await GraphEmulatorApp.StartAsync(new GraphEmulatorOptions { PageSize = 3 });
        if (inStandIn)
        {
            graph.State.AddMailbox(mailbox);
        }

        Microsoft365Harness? harness = null;
        var webhook = await LoopbackServer.StartAsync(async (context, received) =>
        {
            if (context.Request.Query["validationToken"] is { Count: 1 } token)
            {
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync(token[0]!);
                return;
            }

            var receipt = await harness!.Get<GraphNotificationReceiver>().ReceiveAsync(received.Body, context.Request.Path.Value!.EndsWith("/lifecycle", StringComparison.Ordinal), CancellationToken.None);
            context.Response.StatusCode = receipt.Kind == GraphReceiptKind.Accepted ? 202 : 400;
        });
        var queueName = AzuriteFixture.UniqueName("m365");
        var all = new Dictionary<string, string?>
        {
            ["Microsoft365:Mailboxes:0:Name"] = "team",
            ["Microsoft365:Mailboxes:0:Mailbox"] = mailbox,
            ["Microsoft365:GraphUrl"] = graph.GraphUrl.AbsoluteUri,
            ["Microsoft365:NotificationUrl"] = new Uri(webhook.BaseAddress, "api/webhooks/microsoft365").AbsoluteUri,
            ["Microsoft365:StateTable"] = AzuriteFixture.UniqueName("mailboxes"),
            [MailboxWorkQueue.Setting] = queueName,
            ["Routing:Rules:0:Name"] = "m365",
            ["Routing:Rules:0:Sources"] = "microsoft365",
            ["Routing:Rules:0:AgentId"] = Agent,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var jobs = await JobsHarness.StartAsync(
            azurite, settings: all, configure: s => s.AddSingleton(new Microsoft365Credential(new StaticTokenCredential("graph-test-token"))), time: time);
        var queue = jobs.Services.Get<StorageClients>().Queues.GetQueueClient(queueName);
        await queue.CreateIfNotExistsAsync();
        harness = new Microsoft365Harness(jobs, graph, webhook, queue);
        return harness;
    }

    public static string Key(string eventId) => $"microsoft365:team\n{eventId}";

    public Task<DispatchJob?> JobAsync(string eventId) => Jobs.Ledger.ResolveAsync(Key(eventId), CancellationToken.None);

    public Task<MailboxState?> StateAsync() => Get<MailboxStateStore>().GetAsync("team", CancellationToken.None);

    /// <summary>The timer's pass: subscribe or renew, queue the syncs that are due.</summary>
    public Task<MailboxMaintenanceReport> MaintainAsync() => Get<MailboxMaintenance>().RunAsync(CancellationToken.None);

    /// <summary>Runs every visible mailbox work message, as the queue trigger does; returns how many ran.</summary>
    public async Task<int> PumpAsync()
    {
        await Stand.DeliveriesAsync();
        var ran = 0;
        while (true)
        {
            var messages = (await _queue.ReceiveMessagesAsync(16, TimeSpan.FromSeconds(30))).Value;
            if (messages.Length == 0)
            {
                return ran;
            }

            foreach (var message in messages)
            {
                await Get<MailboxWork>().HandleAsync(QueueMessageText.Decode(message.Body), CancellationToken.None);
                await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                ran++;
            }
        }
    }

    /// <summary>Pumps until <paramref name="done"/> holds or <paramref name="deadline"/> has passed; true when it held.</summary>
    public async Task<bool> UntilAsync(Func<Task<bool>> done, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            await PumpAsync();
            if (await done())
            {
                return true;
            }

            if (DateTime.UtcNow > until)
            {
                return false;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Subscribes the mailbox and runs its first (full) sync.</summary>
    public async Task<string> SubscribeAndSyncAsync()
    {
        var report = await MaintainAsync();
        Assert.Equal(1, report.Subscribed);
        await PumpAsync();
        var state = await StateAsync();
        Assert.True(state?.DeltaLink is not null, $"no delta link: {state?.LastError}; subscription: {state?.SubscriptionError}");
        return Assert.Single(Stand.Subscriptions).Id;
    }

    public async ValueTask DisposeAsync()
    {
        await Jobs.DisposeAsync();
        await Webhook.DisposeAsync();
        await Graph.DisposeAsync();
    }
}
