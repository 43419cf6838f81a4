using AgentDispatch.Schedules;
using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.Functions.Schedules;

/// <summary>
/// The recurring dispatches of the <c>Schedules:</c> settings, on a timer (<c>%SCHEDULES_POLL_SCHEDULE%</c>,
/// every minute by default). The timer only creates jobs ahead of time; each goes out at its own time
/// through its wake-up message, so the timer's cadence does not decide when an agent joins.
/// </summary>
public sealed class ScheduleFunction(ScheduleRunner runner)
{
    [Function(nameof(DispatchSchedules))]
    public Task DispatchSchedules([TimerTrigger("%SCHEDULES_POLL_SCHEDULE%")] TimerInfo timer, CancellationToken cancellationToken)
        => runner.TickAsync(cancellationToken);
}
