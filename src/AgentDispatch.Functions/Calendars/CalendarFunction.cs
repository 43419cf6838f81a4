using AgentDispatch.Calendars;
using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.Functions.Calendars;

/// <summary>Polls the configured iCalendar feeds on <c>%CALENDAR_POLL_SCHEDULE%</c> (every five minutes by default) and reconciles them with the ledger.</summary>
public sealed class CalendarFunction(CalendarPoller poller)
{
    [Function(nameof(PollCalendars))]
    public Task PollCalendars([TimerTrigger("%CALENDAR_POLL_SCHEDULE%")] TimerInfo timer, CancellationToken cancellationToken)
        => poller.PollAsync(cancellationToken);
}
