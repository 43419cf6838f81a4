using AgentDispatch.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Jobs;

/// <summary>What one maintenance run did.</summary>
public sealed record MaintenanceReport(BackfillReport Backfill, RetentionReport Retention, LegacyRowsReport LegacyRows);

/// <summary>
/// The ledger's upkeep, on a timer: first the one-time moves of job rows an earlier version wrote under
/// one row key for all, then the one-time backfill that indexes jobs an earlier version wrote, then retention, which deletes final jobs older than <c>Jobs:Retention</c> with their index, alias and
/// tombstone rows. Each run works for at most <c>Jobs:MaintenanceBudget</c> and leaves the rest to the next.
/// </summary>
public sealed class LedgerMaintenance(DispatchLedger ledger, IOptions<JobsOptions> options, TimeProvider time, ILogger<LedgerMaintenance> logger)
{
    /// <summary>Jobs deleted per batch; a run takes batches until its budget is spent or nothing is left.</summary>
    public const int RetentionBatch = 500;

    public async Task<MaintenanceReport> RunAsync(CancellationToken cancellationToken)
    {
        using var activity = AgentDispatchActivities.Start(AgentDispatchActivities.Names.Maintenance);
        var budget = options.Value.MaintenanceBudget;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var moves = await ledger.MoveLegacyRowsAsync(budget, cancellationToken).ConfigureAwait(false);
        if (moves.Moved > 0 || !moves.Complete)
        {
            Log.LegacyRowsMoved(logger, moves.Moved, moves.Complete ? "complete" : "carrying on at the next run");
        }

        var backfill = await ledger.BackfillAsync(budget - System.Diagnostics.Stopwatch.GetElapsedTime(started), cancellationToken).ConfigureAwait(false);
        if (backfill.Scanned > 0 || !backfill.Complete)
        {
            Log.Backfilled(logger, backfill.Indexed, backfill.Scanned, backfill.Complete ? "complete: the sweep and listings read the index" : "carrying on at the next run");
        }

        // Retention needs the index: until the backfill completes, nothing is deleted.
        // Jobs:Retention has no upper bound: one longer than the calendar keeps everything.
        var cutoff = Instants.Add(time.GetUtcNow(), -options.Value.Retention);
        var retention = new RetentionReport(0, 0, false);
        while (backfill.Complete && System.Diagnostics.Stopwatch.GetElapsedTime(started) < budget)
        {
            var batch = await ledger.DeleteFinalBeforeAsync(cutoff, RetentionBatch, cancellationToken).ConfigureAwait(false);
            retention = new RetentionReport(retention.Jobs + batch.Jobs, retention.Tombstones + batch.Tombstones, batch.More);
            if (!batch.More)
            {
                break;
            }
        }

        if (retention.Jobs + retention.Tombstones > 0)
        {
            Log.Retained(logger, retention.Jobs, retention.Tombstones, cutoff, retention.More ? "more are left for the next run" : "none older left");
        }

        activity?.SetTag("agentdispatch.backfill.complete", backfill.Complete).SetTag("agentdispatch.retention.deleted", retention.Jobs);
        return new MaintenanceReport(backfill, retention, moves);
    }
}
