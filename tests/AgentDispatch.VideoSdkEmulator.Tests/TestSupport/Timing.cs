namespace AgentDispatch.VideoSdkEmulator.Tests.TestSupport;

internal static class Timing
{
    /// <summary>
    /// Timers may fire up to a clock tick before a stopwatch agrees the delay is over; lower
    /// bounds allow this much. No test asserts an upper bound.
    /// </summary>
    public static readonly TimeSpan TimerTolerance = TimeSpan.FromMilliseconds(20);
}
