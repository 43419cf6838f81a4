namespace AgentDispatch.Jobs;

/// <summary>
/// Times as the ledger and wake-up messages keep them (UTC, whole milliseconds, so they compare equal
/// after a round trip), and the one place where a span is added to a time: every lead time, window,
/// horizon, backoff, lease and retention goes through <see cref="Plus"/>, because the time it is added
/// to may have come from a sender, and 9999-12-31 plus a window is not a time.
/// </summary>
public static class Instants
{
    /// <summary>Why a time was refused or skipped when <see cref="Plus"/> found no time: the same words on every source.</summary>
    public const string TooFar = "is too far from now: adding the lead time or window to it leaves the calendar (years 0001 to 9999)";

    /// <summary>Why a time a sender wrote was refused or skipped when it is itself no time: its offset (or zone) puts it before 0001 or after 9999 in UTC.</summary>
    public const string OutsideCalendar = "is outside the calendar: in UTC it falls before 0001-01-01 or after 9999-12-31";

    public static DateTimeOffset Ms(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    public static DateTimeOffset? Ms(DateTimeOffset? at) => at is { } value ? Ms(value) : null;

    /// <summary>
    /// <paramref name="at"/> + <paramref name="span"/> in UTC, or null when that is before 0001-01-01 or after
    /// 9999-12-31 ("too far": the caller refuses or skips it, naming <see cref="TooFar"/>), never an overflow.
    /// </summary>
    public static DateTimeOffset? Plus(DateTimeOffset at, TimeSpan span)
    {
        // Compared with the room left either way, never negated: -TimeSpan.MinValue.Ticks is no number.
        var utc = at.UtcTicks;
        if (span >= TimeSpan.Zero ? span.Ticks > DateTimeOffset.MaxValue.UtcTicks - utc : span.Ticks < DateTimeOffset.MinValue.UtcTicks - utc)
        {
            return null;
        }

        return new DateTimeOffset(utc + span.Ticks, TimeSpan.Zero);
    }

    /// <summary>
    /// <paramref name="at"/> + <paramref name="span"/>, held at the ends of time instead of refused: for a bound
    /// compared against (now + the longest schedule ahead), where "later than any time" is the right answer.
    /// </summary>
    public static DateTimeOffset Add(DateTimeOffset at, TimeSpan span)
        => Plus(at, span) ?? (span >= TimeSpan.Zero ? DateTimeOffset.MaxValue : DateTimeOffset.MinValue);
}
