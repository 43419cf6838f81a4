namespace AgentDispatch.VideoSdkEmulator.Faults;

/// <summary>
/// The join faults in force. Every matching fault with hits left applies to a dispatch (so "late" and
/// "loseWebhooks" can be combined) and uses up one of its hits; "never" wins over the others.
/// </summary>
internal sealed class JoinFaultTable
{
    private readonly Lock _gate = new();

    // Replaced whole; read without the lock on the hot path when it is empty.
    private volatile Entry[] _entries = [];

    public IReadOnlyList<JoinFault> Snapshot()
    {
        lock (_gate)
        {
            return _entries.Select(entry => entry.Fault with { Count = entry.Remaining }).ToArray();
        }
    }

    /// <exception cref="ArgumentException">A fault is invalid; the message says which and why.</exception>
    public void Set(IEnumerable<JoinFault> faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        var table = faults.ToArray();
        for (var i = 0; i < table.Length; i++)
        {
            if (table[i] is null)
            {
                throw new ArgumentException($"Join fault {i} is null.", nameof(faults));
            }

            if (!table[i].IsValid(out var error))
            {
                throw new ArgumentException($"Join fault {i}: {error}", nameof(faults));
            }
        }

        lock (_gate)
        {
            _entries = table.Select(fault => new Entry(fault)).ToArray();
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _entries = [];
        }
    }

    public JoinPlan Plan(string agentId, string meetingId)
    {
        if (_entries.Length == 0)
        {
            return JoinPlan.Normal;
        }

        var plan = JoinPlan.Normal;
        lock (_gate)
        {
            foreach (var entry in _entries)
            {
                if (!entry.Fault.Matches(agentId, meetingId) || entry.Remaining == 0)
                {
                    continue;
                }

                entry.Remaining--;
                plan = entry.Fault.Kind switch
                {
                    JoinFaultKind.Never => plan with { Joins = false },
                    JoinFaultKind.Late => plan with { Delay = entry.Fault.Delay },
                    JoinFaultKind.Leave => plan with { Stay = entry.Fault.Delay },
                    JoinFaultKind.LoseAnswer => plan with { LoseAnswer = true },
                    _ => plan with { SendWebhooks = false },
                };
            }
        }

        return plan;
    }

    /// <summary>Mutable; only touched under the table's lock.</summary>
    private sealed class Entry(JoinFault fault)
    {
        public JoinFault Fault { get; } = fault;

        // Null counts down forever: "always".
        public int? Remaining { get; set; } = fault.Count;
    }
}
