using AgentDispatch.DevHost;
using AgentDispatch.Testing;
using AgentDispatch.VideoSdkEmulator;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentDispatch.Reliability.Tests.Hostile;

/// <summary>
/// One dev host for the whole corpus, configured with canary secrets: a function key (so Function-level
/// routes check it), a VideoSDK token, a signing secret for each webhook sender, and a routing rule
/// that turns any signed delivery into a job, so a forged one that got through would be seen. Every
/// log event goes to <see cref="Logs"/>. Queues and table are this run's own.
/// </summary>
public sealed class HostileHost : IAsyncDisposable
{
    private HostileHost(WebApplication app, RunningEmulator emulator, LogCapture logs, StorageFixture storage, string requests, string wake, string ledger)
    {
        App = app;
        Emulator = emulator;
        Logs = logs;
        Port = new Uri(app.Urls.First()).Port;
        Storage = storage;
        RequestsQueue = new QueueClient(storage.ConnectionString, requests, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        WakeQueue = new QueueClient(storage.ConnectionString, wake, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        Ledger = new TableClient(storage.ConnectionString, ledger);
    }

    public WebApplication App { get; }

    public RunningEmulator Emulator { get; }

    public LogCapture Logs { get; }

    public int Port { get; }

    public StorageFixture Storage { get; }

    public QueueClient RequestsQueue { get; }

    public QueueClient WakeQueue { get; }

    public TableClient Ledger { get; }

    /// <summary>The runtime sources' table: no case may store a calendar, schedule or rule.</summary>
    public TableClient Sources { get; private init; } = null!;

    public bool Stopping => App.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested;

    public QueueClient PoisonOf(QueueClient queue) => new(Storage.ConnectionString, queue.Name + "-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });

    /// <param name="emulatorOptions">The VideoSDK emulator's, e.g. a webhook signing key the test also holds.</param>
    public static async Task<HostileHost> StartAsync(StorageFixture storage, EmulatorOptions? emulatorOptions = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var requests = AzuriteFixture.UniqueName("hostilereq");
        var wake = AzuriteFixture.UniqueName("hostilewake");
        var ledger = AzuriteFixture.UniqueName("hostileledger");
        var sources = AzuriteFixture.UniqueName("hostilesources");
        var logs = new LogCapture();
        var emulator = await VideoSdkEmulatorApp.StartAsync(emulatorOptions ?? new EmulatorOptions());
        try
        {
            var app = await DevHostApplication.BuildAsync(
                [
                    "--urls=http://127.0.0.1:0",
                    $"--AzureWebJobsStorage={storage.ConnectionString}",
                    $"--VideoSdk:BaseUrl={emulator.BaseAddress}",
                    $"--VideoSdk:AuthToken={Canaries.Token}",
                    $"--DevHost:FunctionKey={Canaries.FunctionKey}",
                    $"--Webhooks:Calendly:Secret={Canaries.Calendly}",
                    $"--Webhooks:CalCom:Secret={Canaries.CalCom}",
                    $"--Webhooks:Standard:Secret={Canaries.Standard}",
                    $"--DISPATCH_REQUESTS_QUEUE={requests}",
                    $"--DISPATCH_WAKE_QUEUE={wake}",
                    $"--Jobs:LedgerTable={ledger}",
                    $"--Sources:Table={sources}",
                    // Any delivery that is signed and names a meeting becomes a job: a forgery that got through would show.
                    "--Routing:Rules:0:Name=hostile-everything",
                    "--Routing:Rules:0:AgentId=hostile-agent",
                ],
                builder =>
                {
                    // The capture sees every event the console would print, and more: the console only adds noise to the test output.
                    builder.Logging.ClearProviders();
                    logs.Register(builder.Logging);
                });
            await app.StartAsync();
            return new HostileHost(app, emulator, logs, storage, requests, wake, ledger) { Sources = new TableClient(storage.ConnectionString, sources) };
        }
        catch
        {
            await emulator.DisposeAsync();
            throw;
        }
    }

    /// <summary>The calendars, schedules and rules stored (not the generation or sync rows); none when the table was never created.</summary>
    public async Task<IReadOnlyList<TableEntity>> SourceRowsAsync()
    {
        try
        {
            var rows = new List<TableEntity>();
            await foreach (var row in Sources.QueryAsync<TableEntity>(e => e.PartitionKey == "calendar" || e.PartitionKey == "schedule" || e.PartitionKey == "rule"))
            {
                rows.Add(row);
            }

            return rows;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return [];
        }
    }

    /// <summary>Every row of the ledger table (jobs and alias rows alike); none when the table was never created.</summary>
    public async Task<IReadOnlyList<TableEntity>> LedgerRowsAsync()
    {
        try
        {
            var rows = new List<TableEntity>();
            await foreach (var row in Ledger.QueryAsync<TableEntity>())
            {
                rows.Add(row);
            }

            return rows;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return [];
        }
    }

    /// <summary>Messages in <paramref name="queue"/>, hidden ones included; zero when it does not exist.</summary>
    public static async Task<int> CountAsync(QueueClient queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        try
        {
            return (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return 0;
        }
    }

    public async Task StopAsync()
    {
        await App.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}
