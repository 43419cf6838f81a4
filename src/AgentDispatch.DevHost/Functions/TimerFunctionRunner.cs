using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.DevHost.Functions;

/// <summary>
/// Runs one timer-triggered function on its schedule, one invocation at a time, as the Functions
/// host's timer listener does. Time comes from the app's <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// The <see cref="TimerInfo"/> a run gets carries the schedule status as recorded before that run,
/// like the host's: <c>Last</c> is the previous run's occurrence (<see cref="DateTime.MinValue"/>
/// before the first), <c>Next</c> the occurrence this run is for, <c>LastUpdated</c> when the status
/// was last recorded; times are in the schedule's time zone. <c>IsPastDue</c> is set when the run
/// starts more than <see cref="PastDueTolerance"/> after its occurrence (the previous run overran).
/// Occurrences missed while a run overran are collapsed into one late run, as the host does.
/// </remarks>
public sealed partial class TimerFunctionRunner : IHostedService, IAsyncDisposable
{
    public static readonly TimeSpan PastDueTolerance = TimeSpan.FromSeconds(1);

    // Timers cannot wait 49 days in one go; a yearly schedule waits in steps.
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(1);

    private readonly TimerFunction _function;
    private readonly IServiceProvider _services;
    private readonly FunctionInvoker<TimerInfo> _invoker;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private Task? _running;

    /// <param name="services">The app's services: each invocation gets a scope of them; the <see cref="TimeProvider"/> and logging come from here.</param>
    public TimerFunctionRunner(TimerFunction function, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(services);
        _function = function;
        _services = services;
        _invoker = function.CreateInvoker();
        _time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Function." + function.Name);
    }

    public TimerFunction Function => _function;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_running is not null)
        {
            throw new InvalidOperationException($"The runner for {_function.Name} has already been started.");
        }

        _running = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops the schedule and waits for a run in progress; its cancellation token fires only when
    /// <paramref name="cancellationToken"/> does (the host's shutdown timeout).
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        using var abortOnTimeout = cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), _abort);
        if (_running is null)
        {
            return;
        }

        try
        {
            await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.StopTimedOut(_logger, _function.Name);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _abort.CancelAsync().ConfigureAwait(false);
        if (_running is not null)
        {
            await _running.ConfigureAwait(false);
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var schedule = _function.Schedule;
        DateTime last = default;
        DateTime lastUpdated = default;
        var due = schedule.GetNextOccurrence(_time.GetUtcNow());
        try
        {
            if (_function.RunOnStartup)
            {
                Log.RunOnStartup(_logger, _function.Name);
                var started = _time.GetUtcNow();
                await InvokeAsync(new TimerInfo { ScheduleStatus = Status(last, due, lastUpdated), IsPastDue = false }).ConfigureAwait(false);
                last = schedule.ToScheduleTime(started);
                lastUpdated = schedule.ToScheduleTime(_time.GetUtcNow());
            }

            while (!stopping.IsCancellationRequested)
            {
                if (due is not { } occurrence)
                {
                    Log.NeverAgain(_logger, _function.Name, schedule.ToString());
                    await Task.Delay(Timeout.InfiniteTimeSpan, _time, stopping).ConfigureAwait(false);
                    return;
                }

                occurrence = LatestMissed(occurrence, _time.GetUtcNow());
                await DelayUntilAsync(occurrence, stopping).ConfigureAwait(false);
                var started = _time.GetUtcNow();
                var isPastDue = started - occurrence > PastDueTolerance;
                if (isPastDue)
                {
                    Log.PastDue(_logger, _function.Name, occurrence, started);
                }

                await InvokeAsync(new TimerInfo { ScheduleStatus = Status(last, occurrence, lastUpdated), IsPastDue = isPastDue }).ConfigureAwait(false);
                last = schedule.ToScheduleTime(occurrence);
                lastUpdated = schedule.ToScheduleTime(_time.GetUtcNow());
                due = schedule.GetNextOccurrence(occurrence);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopped while waiting for the next occurrence.
        }
    }

    private ScheduleStatus Status(DateTime last, DateTimeOffset? next, DateTime lastUpdated)
        => new() { Last = last, Next = next is { } n ? _function.Schedule.ToScheduleTime(n) : default, LastUpdated = lastUpdated };

    /// <summary>When a run overran several occurrences, the latest of them that is already due: one late run, not a burst.</summary>
    private DateTimeOffset LatestMissed(DateTimeOffset occurrence, DateTimeOffset now)
    {
        while (_function.Schedule.GetNextOccurrence(occurrence) is { } following && following <= now)
        {
            occurrence = following;
        }

        return occurrence;
    }

    private async Task DelayUntilAsync(DateTimeOffset occurrence, CancellationToken stopping)
    {
        for (var remaining = occurrence - _time.GetUtcNow(); remaining > TimeSpan.Zero; remaining = occurrence - _time.GetUtcNow())
        {
            await Task.Delay(remaining < LongestWait ? remaining : LongestWait, _time, stopping).ConfigureAwait(false);
        }
    }

    private async Task InvokeAsync(TimerInfo timer)
    {
        try
        {
            await _invoker.InvokeAsync(_services, timer, _abort.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failed run is logged and the schedule goes on, as under the host.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.Failed(_logger, ex, _function.Name);
        }
    }
}
