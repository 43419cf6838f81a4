using AgentDispatch.DevHost.Functions;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static AgentDispatch.DevHost.Tests.Functions.RunnerTesting;

namespace AgentDispatch.DevHost.Tests.Functions;

/// <summary>The timer runner with a fake clock (and once with the real one), over the sample functions.</summary>
public sealed class TimerFunctionRunnerTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, 500, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly Recorder<TimerInfo> _seen = new();
    private readonly List<TimerFunctionRunner> _runners = [];
    private readonly List<ServiceProvider> _services = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var runner in _runners)
        {
            using var limit = new CancellationTokenSource(WaitLimit);
            await runner.StopAsync(limit.Token);
            await runner.DisposeAsync();
        }

        foreach (var services in _services)
        {
            await services.DisposeAsync();
        }
    }

    private async Task<TimerFunctionRunner> StartAsync<TFunction>(string schedule, TimeProvider? time = null, Gate? gate = null)
    {
        var function = Assert.Single(TimerFunction.Discover([typeof(TFunction)], AppSettings((TickFunction.ScheduleSetting, schedule))));
        var services = Services(s =>
        {
            s.AddSingleton(time ?? _time).AddSingleton(_seen);
            if (gate is not null)
            {
                s.AddSingleton(gate);
            }
        });
        _services.Add(services);
        var runner = new TimerFunctionRunner(function, services);
        _runners.Add(runner);
        await runner.StartAsync(CancellationToken.None);
        return runner;
    }

    /// <summary>Moves the fake clock in small steps until the function runs: a run is never more than a step late.</summary>
    private async Task<TimerInfo> NextRunAsync()
    {
        using var limit = new CancellationTokenSource(WaitLimit);
        while (true)
        {
            if (_seen.TryTake(out var timer))
            {
                return timer;
            }

            _time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(TimeSpan.FromMilliseconds(10), limit.Token);
        }
    }

    [Fact]
    public async Task SecondsSchedule_FiresOnTime_WithTheScheduleStatusAsTheHostKeepsIt()
    {
        await StartAsync<TickFunction>("*/5 * * * * *");

        var first = await NextRunAsync();
        var second = await NextRunAsync();

        Assert.False(first.IsPastDue);
        Assert.False(second.IsPastDue);
        Assert.Equal(DateTimeKind.Utc, first.ScheduleStatus!.Next.Kind);
        Assert.Equal(0, first.ScheduleStatus.Next.Second % 5);
        Assert.Equal(0, first.ScheduleStatus.Next.Millisecond);
        Assert.Equal(default, first.ScheduleStatus.Last);
        Assert.Equal(default, first.ScheduleStatus.LastUpdated);
        Assert.Equal(first.ScheduleStatus.Next, second.ScheduleStatus!.Last);
        Assert.Equal(first.ScheduleStatus.Next.AddSeconds(5), second.ScheduleStatus.Next);
        Assert.True(second.ScheduleStatus.LastUpdated >= second.ScheduleStatus.Last);
    }

    [Fact]
    public async Task RunThatOverrunsOccurrences_IsFollowedByOneLateRun_FlaggedIsPastDue()
    {
        var gate = new Gate();
        await StartAsync<TickFunction>("*/5 * * * * *", gate: gate);
        var first = await NextRunAsync();
        await gate.Entered.NextAsync();

        _time.Advance(TimeSpan.FromSeconds(12));
        gate.Open();
        var late = await NextRunAsync();

        Assert.False(first.IsPastDue);
        Assert.True(late.IsPastDue);
        Assert.Equal(first.ScheduleStatus!.Next, late.ScheduleStatus!.Last);
        // Two occurrences were missed; only the latest of them runs.
        Assert.Equal(first.ScheduleStatus.Next.AddSeconds(10), late.ScheduleStatus.Next);
    }

    [Fact]
    public async Task RunOnStartup_RunsAtOnce_ThenOnSchedule()
    {
        await StartAsync<StartupTickFunction>("0 0 * * * *");

        var startup = await _seen.NextAsync();

        Assert.False(startup.IsPastDue);
        Assert.Equal(default, startup.ScheduleStatus!.Last);
        Assert.Equal(new DateTime(2026, 1, 1, 1, 0, 0, DateTimeKind.Utc), startup.ScheduleStatus.Next);
        Assert.False(_seen.TryTake(out _), "Only the start-up run happens before the first occurrence.");
    }

    [Fact]
    public async Task TimeSpanSchedule_RunsAtThatInterval()
    {
        await StartAsync<TickFunction>("00:00:02");

        var first = await NextRunAsync();
        var second = await NextRunAsync();

        Assert.Equal(TimeSpan.FromSeconds(2), second.ScheduleStatus!.Next - first.ScheduleStatus!.Next);
    }

    [Fact]
    public async Task Stop_WaitsForARunInProgress()
    {
        var gate = new Gate();
        var runner = await StartAsync<StartupTickFunction>("0 0 * * * *", gate: gate);
        var token = await gate.Entered.NextAsync();

        var stop = runner.StopAsync(CancellationToken.None);
        await Task.Delay(TimeSpan.FromMilliseconds(300));

        Assert.False(stop.IsCompleted, "Stop returned while the timer function was still running.");
        Assert.False(token.IsCancellationRequested);
        gate.Open();
        await stop.WaitAsync(WaitLimit);
    }

    [Fact]
    public async Task Stop_WhenIdle_EndsWithoutAnotherRun()
    {
        var runner = await StartAsync<TickFunction>("0 0 * * * *");

        await runner.StopAsync(CancellationToken.None).WaitAsync(WaitLimit);
        _time.Advance(TimeSpan.FromHours(2));
        await Task.Delay(TimeSpan.FromMilliseconds(100));

        Assert.False(_seen.TryTake(out _));
    }

    [Fact]
    public async Task RealClock_SecondsSchedule_Fires()
    {
        await StartAsync<TickFunction>("* * * * * *", TimeProvider.System);

        var first = await _seen.NextAsync(WaitLimit);
        var second = await _seen.NextAsync(WaitLimit);

        Assert.True(second.ScheduleStatus!.Next > first.ScheduleStatus!.Next);
        Assert.Equal(first.ScheduleStatus.Next, second.ScheduleStatus.Last);
    }

    [Fact]
    public void Discover_MissingScheduleSetting_FailsWithTheHostsWording()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => TimerFunction.Discover([typeof(TickFunction)], AppSettings()));

        Assert.Equal("Error indexing function 'Tick': '%TICK_SCHEDULE%' does not resolve to a value.", ex.Message);
    }

    [Fact]
    public void Discover_BadSchedule_FailsNamingTheFunction()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => TimerFunction.Discover([typeof(TickFunction)], AppSettings((TickFunction.ScheduleSetting, "every minute"))));

        Assert.StartsWith("Error indexing function 'Tick': 'every minute' is not a valid schedule", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Discover_UnbindableParameter_FailsNamingTheFunctionAndParameter()
    {
        var ex = Assert.Throws<NotSupportedException>(() => TimerFunction.Discover([typeof(UnbindableTimerFunction)], AppSettings((TickFunction.ScheduleSetting, "0 * * * * *"))));

        Assert.Contains("UnbindableTimer", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'timer'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Discover_ReadsRunOnStartupAndTheTimeZone()
    {
        var function = Assert.Single(TimerFunction.Discover([typeof(StartupTickFunction)], AppSettings((TickFunction.ScheduleSetting, "0 0 9 * * *"), ("WEBSITE_TIME_ZONE", "Europe/Berlin"))));

        Assert.True(function.RunOnStartup);
        Assert.Equal("0 0 9 * * *", function.Schedule.Expression);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero), function.Schedule.GetNextOccurrence(Start));
    }
}
