namespace AgentDispatch.VideoSdkEmulator.Faults;

/// <summary>Holds the fault settings and draws which fault, if any, a request meets.</summary>
internal sealed class FaultInjector(int? seed)
{
    // Random is not thread-safe; a seeded instance is guarded by a lock so that a single-threaded
    // test sees the same sequence on every run. Without a seed the thread-safe shared one will do.
    private readonly Random? _seeded = seed is { } s ? new Random(s) : null;
    private readonly Lock _randomGate = new();
    private volatile FaultSettings _settings = FaultSettings.None;

    public FaultSettings Settings
    {
        get => _settings;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (!value.IsValid(out var error))
            {
                throw new ArgumentException(error, nameof(value));
            }

            _settings = value;
        }
    }

    public FaultKind Draw(FaultSettings settings)
    {
        // Without faults no number is drawn, which keeps the hot path free of the lock.
        if (settings.IsNone)
        {
            return FaultKind.None;
        }

        var draw = NextDouble();
        var threshold = settings.Error503Rate;
        if (draw < threshold)
        {
            return FaultKind.Error503;
        }

        threshold += settings.Error429Rate;
        if (draw < threshold)
        {
            return FaultKind.Error429;
        }

        threshold += settings.SlowRate;
        if (draw < threshold)
        {
            return FaultKind.Slow;
        }

        threshold += settings.DropRate;
        return draw < threshold ? FaultKind.Drop : FaultKind.None;
    }

    private double NextDouble()
    {
        if (_seeded is null)
        {
            return Random.Shared.NextDouble();
        }

        lock (_randomGate)
        {
            return _seeded.NextDouble();
        }
    }
}
