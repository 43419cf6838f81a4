using AgentDispatch.VideoSdkEmulator.Rooms;
using AgentDispatch.VideoSdkEmulator.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace AgentDispatch.VideoSdkEmulator.Tests.Rooms;

/// <summary>Joins, stays and session times follow the emulator's TimeProvider, so a fake clock drives them.</summary>
public sealed class RoomClockTests
{
    private static readonly DateTimeOffset Nine = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task JoinDelay_RunsOnTheInjectedClock()
    {
        var time = new FakeTimeProvider(Nine);
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JoinDelay = TimeSpan.FromMinutes(5) }, time);

        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-a"));
        var pendingBefore = harness.State.PendingAgentJoins;
        time.Advance(TimeSpan.FromMinutes(5));
        await Eventually.TrueAsync(() => harness.State.AgentJoins == 1, "the agent to join once the clock moved");

        Assert.Equal(1, pendingBefore);
        var session = harness.State.GetRoom("room-a")!.Sessions.Single();
        Assert.Equal(Nine.AddMinutes(5).UtcDateTime, session.Start);
        Assert.Equal(DateTimeKind.Utc, session.Start.Kind);
        Assert.Equal(session.Start, session.Participants.Single().Timelog.Single().Start);
    }

    [Fact]
    public async Task AgentStay_RunsOnTheInjectedClock()
    {
        var time = new FakeTimeProvider(Nine);
        await using var harness = await EmulatorHarness.StartAsync(
            new EmulatorOptions { JoinDelay = TimeSpan.Zero, AgentStay = TimeSpan.FromMinutes(30) }, time);

        await harness.DispatchJsonAsync(EmulatorHarness.Body("room-a"));

        // The stay's timer starts just after the join, on another thread: moving the clock a little at
        // a time, rather than once, cannot move it before that timer exists.
        var session = await Eventually.ReturnsAsync(
            () =>
            {
                time.Advance(TimeSpan.FromMinutes(1));
                return harness.State.GetRoom("room-a")!.Sessions.Single();
            },
            s => s.Status == SessionInfo.Ended,
            "the agent to leave after its stay");

        Assert.True(session.End >= Nine.AddMinutes(30).UtcDateTime, $"ended at {session.End:O}");
    }
}
