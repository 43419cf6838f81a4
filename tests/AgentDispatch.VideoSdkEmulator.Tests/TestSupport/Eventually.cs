using System.Diagnostics;

namespace AgentDispatch.VideoSdkEmulator.Tests.TestSupport;

/// <summary>
/// Waits for a condition by polling, bounded by a deadline far above any normal wait: the deadline
/// only turns a hang into a failure, it never judges speed.
/// </summary>
internal static class Eventually
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> probe, Func<T, bool> isDone, string what)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe();
            if (isDone(value))
            {
                return value;
            }

            if (watch.Elapsed > Deadline)
            {
                Assert.Fail($"Still waiting after {Deadline.TotalSeconds:0} s for {what}; last seen: {value}");
            }

            await Task.Delay(PollInterval);
        }
    }

    public static Task<T> ReturnsAsync<T>(Func<T> probe, Func<T, bool> isDone, string what) =>
        ReturnsAsync(() => Task.FromResult(probe()), isDone, what);

    public static Task TrueAsync(Func<bool> condition, string what) =>
        ReturnsAsync(condition, done => done, what);
}
