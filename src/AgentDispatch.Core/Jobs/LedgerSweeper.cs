using AgentDispatch.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Jobs;

/// <summary>What one sweep did.</summary>
public sealed record SweepReport(int Woken, int Recovered);

/// <summary>
/// The timer-driven safety net: queues wake-ups for jobs entering the 7-day window a queue message
/// can wait, re-wakes jobs whose wake-up was lost (overdue), and resolves claims left by an instance
/// that stopped mid-dispatch or jobs whose looks in the room stopped.
/// </summary>
public sealed class LedgerSweeper(
    DispatchLedger ledger,
    WakeQueue wake,
    DispatchJobRunner runner,
    IOptions<JobsOptions> options,
    TimeProvider time,
    ILogger<LedgerSweeper> logger)
{
    public async Task<SweepReport> SweepAsync(CancellationToken cancellationToken)
    {
        using var activity = AgentDispatchActivities.Start(AgentDispatchActivities.Names.Sweep);
        var now = time.GetUtcNow();
        var upTo = now + WakeQueue.MaxDelay;
        var woken = 0;
        var failed = false;
        var seen = new HashSet<string>(StringComparer.Ordinal);

        // With the index, a sweep reads what entered the wake queue's reach since the last sweep (from its
        // horizon, less an overlap) and what is overdue; without it (first sweep, or an index still being
        // backfilled), every scheduled job due within reach, as before.
        var horizon = await ledger.GetSweepHorizonAsync(cancellationToken).ConfigureAwait(false);
        var passes = horizon is { } h
            ? new[] { ledger.ScheduledDueAsync(null, now - options.Value.OverdueGrace, cancellationToken), ledger.ScheduledDueAsync(Min(h - DispatchLedger.HorizonOverlap, now), upTo, cancellationToken) }
            : [ledger.ScheduledDueAsync(null, upTo, cancellationToken)];
        foreach (var pass in passes)
        {
            await foreach (var job in pass.ConfigureAwait(false))
            {
                var overdue = job.DueAt < now - options.Value.OverdueGrace;
                if ((job.WakeFor == job.DueAt && !overdue) || !seen.Add(job.Id))
                {
                    continue;
                }

                try
                {
                    var marked = job.WakeFor == job.DueAt ? job : await ledger.TryReplaceAsync(job with { WakeFor = job.DueAt }, cancellationToken).ConfigureAwait(false);
                    if (marked is not null)
                    {
                        await wake.SendAsync(job.Id, job.DueAt, cancellationToken).ConfigureAwait(false);
                        woken++;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    failed = true;
                    Log.SweepFailed(logger, job.Id, ex);
                }
            }
        }

        // A job whose wake-up could not be queued keeps the horizon where it was, so the next sweep meets it again.
        if (!failed)
        {
            await ledger.SetSweepHorizonAsync(upTo, cancellationToken).ConfigureAwait(false);
        }

        var recovered = 0;
        await foreach (var job in ledger.AbandonedAsync(now, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await runner.RecoverAsync(job, cancellationToken).ConfigureAwait(false);
                recovered++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.SweepFailed(logger, job.Id, ex);
            }
        }

        // Assigned jobs whose looks in the room stopped (a wake-up lost): one more look decides them.
        await foreach (var job in ledger.ConfirmingPastAsync(now - options.Value.OverdueGrace, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await runner.CheckAsync(job, cancellationToken).ConfigureAwait(false);
                recovered++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.SweepFailed(logger, job.Id, ex);
            }
        }

        Log.Swept(logger, woken, recovered);
        activity?.SetTag("agentdispatch.sweep.woken", woken).SetTag("agentdispatch.sweep.recovered", recovered);
        return new SweepReport(woken, recovered);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
