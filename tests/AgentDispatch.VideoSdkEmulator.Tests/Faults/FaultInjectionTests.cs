using System.Diagnostics;
using AgentDispatch.VideoSdkEmulator.Dispatch;
using AgentDispatch.VideoSdkEmulator.Faults;
using AgentDispatch.VideoSdkEmulator.Tests.TestSupport;
using AgentDispatch.VideoSdkEmulator.Workers;

namespace AgentDispatch.VideoSdkEmulator.Tests.Faults;

public sealed class FaultInjectionTests
{
    [Fact]
    public async Task Dispatch_With503Fault_Answers503WithoutDispatching()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JobDuration = TimeSpan.FromHours(1) });
        harness.State.Faults = new FaultSettings(Error503Rate: 1);

        var (status, body) = await harness.DispatchJsonAsync(EmulatorHarness.Body());

        Assert.Equal(503, status);
        Assert.Equal("Service Unavailable", body.GetProperty("message").GetString());
        var record = Assert.Single(harness.State.Dispatches);
        Assert.Equal(EmulatedOutcome.Fault503, record.Outcome);
        Assert.False(record.Assigned);
        Assert.Equal(0, harness.State.Workers.Single().RunningJobs);
    }

    [Fact]
    public async Task Dispatch_With429Fault_Answers429WithRetryAfterWithoutDispatching()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JobDuration = TimeSpan.FromHours(1) });
        harness.State.Faults = new FaultSettings(Error429Rate: 1, RetryAfterSeconds: 7);

        using var response = await harness.DispatchAsync(EmulatorHarness.Body());
        var body = await EmulatorHarness.ReadJsonAsync(response);

        Assert.Equal(429, (int)response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.Equal("Too Many Requests", body.GetProperty("message").GetString());
        var record = Assert.Single(harness.State.Dispatches);
        Assert.Equal(EmulatedOutcome.Fault429, record.Outcome);
        Assert.False(record.Assigned);
        Assert.Equal(0, harness.State.Workers.Single().RunningJobs);
    }

    [Fact]
    public async Task Dispatch_WithSlowFault_DispatchesThenAnswersNoSoonerThanTheDelay()
    {
        var delay = TimeSpan.FromMilliseconds(300);
        await using var harness = await EmulatorHarness.StartAsync();
        harness.State.Faults = new FaultSettings(SlowRate: 1, SlowDelay: delay);

        var watch = Stopwatch.StartNew();
        var (status, body) = await harness.DispatchJsonAsync(EmulatorHarness.Body());
        watch.Stop();

        Assert.Equal(200, status);
        Assert.Equal("assigned", body.GetProperty("data").GetProperty("status").GetString());
        Assert.True(watch.Elapsed >= delay - Timing.TimerTolerance, $"answered after {watch.Elapsed}");
        var record = Assert.Single(harness.State.Dispatches);
        Assert.Equal(EmulatedOutcome.Assigned, record.Outcome);
        Assert.True(record.Assigned);
        Assert.True(record.Slow);
    }

    [Fact]
    public async Task Dispatch_WithSlowFault_HasDispatchedBeforeTheClientGivesUp()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        harness.State.Faults = new FaultSettings(SlowRate: 1, SlowDelay: TimeSpan.FromMinutes(10));
        using var impatient = new HttpClient { BaseAddress = harness.Emulator.BaseAddress, Timeout = TimeSpan.FromMilliseconds(300) };

        using var request = EmulatorHarness.DispatchRequest(EmulatorHarness.Body());

        await Assert.ThrowsAsync<TaskCanceledException>(() => impatient.SendAsync(request));

        var record = Assert.Single(harness.State.Dispatches);
        Assert.True(record.Assigned);
        Assert.Equal(200, record.Status);
    }

    [Fact]
    public async Task Dispatch_WithDropFault_AbortsTheConnectionAfterAssigning()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        harness.State.Faults = new FaultSettings(DropRate: 1);

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => harness.DispatchAsync(EmulatorHarness.Body()));

        var record = Assert.Single(harness.State.Dispatches);
        Assert.Equal(EmulatedOutcome.Dropped, record.Outcome);
        Assert.True(record.Assigned);
        Assert.Equal("default", record.WorkerId);
        Assert.Null(record.Status);
        Assert.Null(record.Response);
    }

    [Fact]
    public async Task Dispatch_WithDropFaultAndNoCapacity_RecordsDroppedWithoutAssignment()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        harness.State.RegisterWorker(new WorkerRegistration("agent-1", Draining: true));
        harness.State.Faults = new FaultSettings(DropRate: 1);

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => harness.DispatchAsync(EmulatorHarness.Body()));

        var record = Assert.Single(harness.State.Dispatches);
        Assert.Equal(EmulatedOutcome.Dropped, record.Outcome);
        Assert.False(record.Assigned);
    }

    [Fact]
    public async Task Faults_AreNotDrawnForUnauthorizedOrInvalidRequests()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        harness.State.Faults = new FaultSettings(Error503Rate: 1);

        var (unauthorized, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body(), authorization: null);
        var (invalid, _) = await harness.DispatchJsonAsync("{}");

        Assert.Equal(401, unauthorized);
        Assert.Equal(400, invalid);
    }

    [Fact]
    public async Task Faults_WithTheSameSeed_FallOnTheSameRequests()
    {
        var first = await OutcomesAsync(seed: 42);
        var second = await OutcomesAsync(seed: 42);

        Assert.Equal(first, second);
        Assert.Contains(EmulatedOutcome.Fault503, first);
        Assert.Contains(EmulatedOutcome.Fault429, first);
        Assert.Contains(EmulatedOutcome.Assigned, first);

        static async Task<List<EmulatedOutcome>> OutcomesAsync(int seed)
        {
            await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { Seed = seed });
            harness.State.Faults = new FaultSettings(Error503Rate: 0.3, Error429Rate: 0.3, RetryAfterSeconds: 0);
            for (var i = 0; i < 40; i++)
            {
                await harness.DispatchJsonAsync(EmulatorHarness.Body($"m{i}"));
            }

            return harness.State.Dispatches.Select(r => r.Outcome).ToList();
        }
    }

    [Theory]
    [InlineData(-0.1, 0, 0, 0)]
    [InlineData(1.5, 0, 0, 0)]
    [InlineData(0, double.NaN, 0, 0)]
    [InlineData(0.5, 0.3, 0.2, 0.1)]
    [InlineData(0, 0, 0, 1.01)]
    public async Task Faults_SetInProcessOutOfRange_Throw(double error503, double error429, double slow, double drop)
    {
        await using var harness = await EmulatorHarness.StartAsync();

        Assert.Throws<ArgumentException>(() =>
            harness.State.Faults = new FaultSettings(error503, error429, slow, TimeSpan.Zero, drop));
        Assert.Equal(FaultSettings.None, harness.State.Faults);
    }

    [Fact]
    public void FaultSettings_AddingUpToExactlyOne_IsValid()
    {
        var settings = new FaultSettings(Error503Rate: 0.1, Error429Rate: 0.2, SlowRate: 0.3, DropRate: 0.4);

        Assert.True(settings.IsValid(out var error), error);
    }

    [Fact]
    public void FaultSettings_WithNegativeSlowDelay_IsInvalid()
    {
        var settings = new FaultSettings(SlowRate: 0.5, SlowDelay: TimeSpan.FromSeconds(-1));

        Assert.False(settings.IsValid(out var error));
        Assert.Contains("slowDelay", error, StringComparison.Ordinal);
    }
}
