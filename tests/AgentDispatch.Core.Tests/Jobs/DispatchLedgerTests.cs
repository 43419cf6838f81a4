using AgentDispatch.Dispatch;
using AgentDispatch.Jobs;

namespace AgentDispatch.Core.Tests.Jobs;

/// <summary>The ledger's one conditional update, on Azurite: what it writes, when it declines, and how it gives up.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DispatchLedgerTests(AzuriteCollectionFixture azurite)
{
    private static async Task<DispatchJob> ScheduledAsync(JobsHarness harness, string key)
    {
        var submitted = await harness.Jobs.SubmitAsync(
            new DispatchJobRequest(new DispatchRequest("abcd-efgh-ijkl", "agent-1"), DateTimeOffset.UtcNow.AddHours(1), null, key), JobSources.Http, CancellationToken.None);
        return submitted.Job!;
    }

    [Fact]
    public async Task UpdateAsync_WritesTheChange_OnTheVersionItRead()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        var job = await ScheduledAsync(harness, "update-1");

        var update = await harness.Ledger.UpdateAsync(job.Id, j => j with { Metadata = null, Attempts = j.Attempts + 7 }, CancellationToken.None);

        Assert.Equal(LedgerUpdateStatus.Updated, update.Status);
        Assert.Equal(7, update.Job!.Attempts);
        Assert.NotEqual(job.ETag, update.Job.ETag);
        Assert.Equal(7, (await harness.Ledger.GetAsync(job.Id, CancellationToken.None))!.Attempts);
    }

    [Fact]
    public async Task UpdateAsync_ChangeDeclines_WritesNothing()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        var job = await ScheduledAsync(harness, "update-2");

        var update = await harness.Ledger.UpdateAsync(job.Id, _ => null, CancellationToken.None);

        Assert.Equal(LedgerUpdateStatus.Unchanged, update.Status);
        Assert.Equal(job.ETag, (await harness.Ledger.GetAsync(job.Id, CancellationToken.None))!.ETag);
    }

    [Fact]
    public async Task UpdateAsync_NoSuchJob_IsNotFound_AndTheChangeNeverRuns()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        var ran = false;

        var update = await harness.Ledger.UpdateAsync(JobIds.ForKey("key:never-made"), j => { ran = true; return j; }, CancellationToken.None);

        Assert.Equal(LedgerUpdateStatus.NotFound, update.Status);
        Assert.False(ran);
    }

    [Fact]
    public async Task UpdateAsync_RowChangedMeanwhile_ReadsAgainAndDecidesOnTheNewVersion()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        var stale = await ScheduledAsync(harness, "update-3");
        await harness.Ledger.UpdateAsync(stale.Id, j => j with { Attempts = 1 }, CancellationToken.None);
        var seen = new List<int>();

        // Started from the version before that write: the first write conflicts, the second is on the new row.
        var update = await harness.Ledger.UpdateAsync(stale.Id, j => { seen.Add(j.Attempts); return j with { Attempts = j.Attempts + 10 }; }, CancellationToken.None, stale);

        Assert.Equal([0, 1], seen);
        Assert.Equal(LedgerUpdateStatus.Updated, update.Status);
        Assert.Equal(11, (await harness.Ledger.GetAsync(stale.Id, CancellationToken.None))!.Attempts);
    }

    [Fact]
    public async Task UpdateAsync_RowChangesUnderEveryAttempt_GivesUpAfterTheBound_AsContended()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        var job = await ScheduledAsync(harness, "update-4");
        var attempts = 0;

        var update = await harness.Ledger.UpdateAsync(
            job.Id,
            j =>
            {
                attempts++;
                // Another writer gets in between every read and write.
                Assert.True(harness.Ledger.TryReplaceAsync(j with { Attempts = j.Attempts + 1 }, CancellationToken.None).GetAwaiter().GetResult() is not null);
                return j with { LastMessage = "never written" };
            },
            CancellationToken.None);

        Assert.Equal(LedgerUpdateStatus.Contended, update.Status);
        Assert.Equal(DispatchLedger.MaxUpdateAttempts, attempts);
        var stored = await harness.Ledger.GetAsync(job.Id, CancellationToken.None);
        Assert.Null(stored!.LastMessage);
        Assert.Equal(DispatchLedger.MaxUpdateAttempts, stored.Attempts);
    }

    [Fact]
    public async Task Tombstone_KeepsTheLaterOfTwoCancels()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        var early = DateTimeOffset.Parse("2026-12-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

        await harness.Ledger.AddTombstoneAsync("calendly:x", early.AddMinutes(5), CancellationToken.None);
        await harness.Ledger.AddTombstoneAsync("calendly:x", early, CancellationToken.None);
        var kept = await harness.Ledger.GetTombstoneAsync("calendly:x", CancellationToken.None);
        await harness.Ledger.AddTombstoneAsync("calendly:x", early.AddMinutes(9), CancellationToken.None);

        Assert.Equal(early.AddMinutes(5), kept);
        Assert.Equal(early.AddMinutes(9), await harness.Ledger.GetTombstoneAsync("calendly:x", CancellationToken.None));
    }
}
