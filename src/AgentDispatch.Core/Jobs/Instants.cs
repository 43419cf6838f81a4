namespace AgentDispatch.Jobs;

/// <summary>Times as the ledger and wake-up messages keep them: UTC, whole milliseconds, so they compare equal after a round trip.</summary>
public static class Instants
{
    public static DateTimeOffset Ms(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    public static DateTimeOffset? Ms(DateTimeOffset? at) => at is { } value ? Ms(value) : null;

    /// <summary>
    /// <paramref name="at"/> + <paramref name="span"/>, held at the ends of time instead of throwing: a
    /// caller's <c>dispatchAt</c> of 9999-12-31 is an error to name, not an overflow.
    /// </summary>
    public static DateTimeOffset Add(DateTimeOffset at, TimeSpan span)
    {
        if (span >= TimeSpan.Zero)
        {
            return DateTimeOffset.MaxValue - at <= span ? DateTimeOffset.MaxValue : at + span;
        }

        return at - DateTimeOffset.MinValue <= -span ? DateTimeOffset.MinValue : at + span;
    }
}
