using AgentDispatch.Jobs;
using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.Functions.Jobs;

/// <summary>Ledger upkeep on a timer (<c>%LEDGER_MAINTENANCE_SCHEDULE%</c>, every 10 minutes by default): the index backfill, then retention.</summary>
public sealed class LedgerMaintenanceFunction(LedgerMaintenance maintenance)
{
    [Function(nameof(LedgerMaintenance))]
    public Task LedgerMaintenance([TimerTrigger("%LEDGER_MAINTENANCE_SCHEDULE%")] TimerInfo timer, CancellationToken cancellationToken)
        => maintenance.RunAsync(cancellationToken);
}
