using AgentDispatch.Jobs;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Core.Tests.Jobs;

public sealed class RetryScheduleTests
{
    private sealed class NoJitter : JitterSource
    {
        public override double NextFraction() => 0;
    }

    private static RetrySchedule Schedule() => new(Options.Create(new JobsOptions()), new NoJitter());

    [Theory]
    [InlineData(1, 0)]
    [InlineData(30, 0)]
    [InlineData(int.MaxValue, 0)]
    [InlineData(1, 9999)]
    public void NextAttempt_RetryAfterBeyondTheCalendar_IsHeldAtItsEndNotAnOverflow(int attempts, int nowYear)
    {
        var now = nowYear == 0 ? new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero) : new DateTimeOffset(nowYear, 12, 31, 23, 59, 0, TimeSpan.Zero);

        var next = Schedule().NextAttempt(attempts, TimeSpan.MaxValue, now);

        // After any job's notAfter, so the job expires rather than waiting for a time that is not one.
        Assert.Equal(Instants.Ms(DateTimeOffset.MaxValue), next);
    }
}
