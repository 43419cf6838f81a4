namespace AgentDispatch.Jobs;

/// <summary>Times as the ledger and wake-up messages keep them: UTC, whole milliseconds, so they compare equal after a round trip.</summary>
public static class Instants
{
    public static DateTimeOffset Ms(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    public static DateTimeOffset? Ms(DateTimeOffset? at) => at is { } value ? Ms(value) : null;
}
