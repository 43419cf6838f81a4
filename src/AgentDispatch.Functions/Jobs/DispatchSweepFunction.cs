using AgentDispatch.Jobs;
using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.Functions.Jobs;

/// <summary>The sweep on a timer (<c>%DISPATCH_SWEEP_SCHEDULE%</c>, every minute by default).</summary>
public sealed class DispatchSweepFunction(LedgerSweeper sweeper)
{
    [Function(nameof(DispatchSweep))]
    public Task DispatchSweep([TimerTrigger("%DISPATCH_SWEEP_SCHEDULE%")] TimerInfo timer, CancellationToken cancellationToken)
        => sweeper.SweepAsync(cancellationToken);
}
