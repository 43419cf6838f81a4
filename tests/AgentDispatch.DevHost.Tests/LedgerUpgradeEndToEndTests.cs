using System.Text.Json.Nodes;
using AgentDispatch.Jobs;
using AgentDispatch.Testing;
using AgentDispatch.VideoSdkEmulator;
using Azure.Data.Tables;

namespace AgentDispatch.DevHost.Tests;

/// <summary>
/// Upgrading a ledger an earlier version wrote (job rows with no index rows), on a running dev host: its
/// maintenance timer backfills the index a page a run while its sweep keeps dispatching — every scheduled
/// job goes out once, including those whose wake-ups were lost, before, during and after the backfill.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class LedgerUpgradeEndToEndTests(StorageFixture storage)
{
    [Fact]
    public async Task OldLedger_IsBackfilledInRuns_WhileEveryScheduledJobGoesOutOnce()
    {
        await using var videoSdk = await VideoSdkEmulatorApp.StartAsync(new EmulatorOptions());
        var ledgerTable = AzuriteFixture.UniqueName("oldledger");
        var table = new TableClient(storage.ConnectionString, ledgerTable);
        await table.CreateAsync();

        // As an earlier version left it: 250 finished jobs, and 60 scheduled ones due over the next 30 s
        // whose wake-up messages are gone (only the sweep can find them).
        var now = DateTimeOffset.UtcNow;
        var history = Enumerable.Range(0, 250).Select(i => Job($"done-{i}", $"room-done-{i % 25}", now.AddDays(-1).AddMinutes(i), JobState.Joined, now.AddDays(-1)));
        var due = Enumerable.Range(0, 60).Select(i => Job($"due-{i}", $"room-due-{i}", now.AddSeconds(8 + (i / 2)), JobState.Scheduled, now.AddHours(-1))).ToList();
        await Parallel.ForEachAsync(history.Concat(due), async (job, ct) => await table.AddEntityAsync(DispatchJobEntity.From(job with { LegacyRow = true }), ct));

        await using var host = await RunningDevHost.StartAsync(
            storage,
            $"--VideoSdk:BaseUrl={videoSdk.BaseAddress}",
            "--VideoSdk:AuthToken=upgrade-token",
            $"--DISPATCH_WAKE_QUEUE={AzuriteFixture.UniqueName("wake")}",
            $"--Jobs:LedgerTable={ledgerTable}",
            "--DISPATCH_SWEEP_SCHEDULE=*/2 * * * * *",
            "--LEDGER_MAINTENANCE_SCHEDULE=*/3 * * * * *",
            "--Jobs:MaintenanceBudget=00:00:00.001",
            "--Jobs:OverdueGrace=00:00:01",
            "--Confirmation:Mode=Off");

        var timeline = new TableClient(storage.ConnectionString, ledgerTable + "Timeline");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        bool complete;
        while (!(complete = await BackfillCompleteAsync(timeline)) || videoSdk.State.Dispatches.Count < due.Count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"backfill complete: {complete}; dispatched {videoSdk.State.Dispatches.Count} of {due.Count}");
            await Task.Delay(250);
        }

        await Task.Delay(3000); // two more sweeps: nothing goes out twice
        var dispatched = videoSdk.State.Dispatches.Select(d => d.MeetingId).ToList();
        var listed = JsonNode.Parse(await host.Client.GetStringAsync(new Uri("api/dispatches?meetingId=room-done-7", UriKind.Relative)))!["items"]!.AsArray();

        Assert.True(complete);
        Assert.Equal(due.Select(j => j.MeetingId).Order(StringComparer.Ordinal), dispatched.Order(StringComparer.Ordinal));
        Assert.Equal(10, listed.Count); // read from the meeting index the backfill wrote
        Assert.All(listed, job => Assert.Equal("room-done-7", (string?)job!["meetingId"]));
    }

    private static DispatchJob Job(string key, string meetingId, DateTimeOffset at, JobState state, DateTimeOffset updated) => new()
    {
        Id = JobIds.ForKey("key:" + key), IdempotencyKey = "key:" + key, MeetingId = meetingId, AgentId = "agent-1", Source = JobSources.Http,
        DispatchAt = at, NotAfter = at.AddMinutes(10), State = state, WakeFor = state == JobState.Scheduled ? at : null,
        Attempts = state == JobState.Scheduled ? 0 : 1, CreatedAt = updated, UpdatedAt = updated,
    };

    private static async Task<bool> BackfillCompleteAsync(TableClient timeline)
    {
        try
        {
            var row = await timeline.GetEntityIfExistsAsync<TableEntity>("ledger", "backfill");
            return row.HasValue && row.Value!.GetBoolean("Complete") == true;
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            return false; // the table is not there yet
        }
    }
}
