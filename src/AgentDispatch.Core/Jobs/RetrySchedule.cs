using Microsoft.Extensions.Options;

namespace AgentDispatch.Jobs;

/// <summary>Randomness for jitter, replaceable where a test needs it fixed.</summary>
public class JitterSource
{
    /// <summary>A number in [0, 1).</summary>
    public virtual double NextFraction() => Random.Shared.NextDouble();
}

/// <summary>
/// When to try a capacity or transient outcome again: exponential backoff from
/// <see cref="JobsOptions.RetryBaseDelay"/>, capped at <see cref="JobsOptions.RetryMaxDelay"/>, with
/// jitter so that jobs that failed together do not retry together, and never sooner than VideoSDK's
/// <c>Retry-After</c>.
/// </summary>
public sealed class RetrySchedule(IOptions<JobsOptions> options, JitterSource jitter)
{
    public DateTimeOffset NextAttempt(int attemptsSoFar, TimeSpan? retryAfter, DateTimeOffset now)
    {
        var o = options.Value;
        var exponent = Math.Clamp(attemptsSoFar - 1, 0, 30);
        var backoff = TimeSpan.FromTicks((long)Math.Min(o.RetryMaxDelay.Ticks, o.RetryBaseDelay.Ticks * Math.Pow(2, exponent)));
        // "Equal jitter": between half and all of the backoff, so the wait still grows each attempt.
        var delay = backoff * (0.5 + (0.5 * jitter.NextFraction()));
        if (retryAfter is { } asked && asked > delay)
        {
            delay = asked;
        }

        // Whole milliseconds: the time is compared with what the ledger and the wake-up message give back.
        // VideoSDK's Retry-After can be a date as late as 9999: held at the end of time, it is after any
        // window, and the job expires instead of overflowing.
        return Instants.Ms(Instants.Add(now, delay));
    }
}
