namespace AgentDispatch.VideoSdkEmulator.Dispatch;

/// <summary>Bounded record of dispatch requests in arrival order; the oldest go first.</summary>
internal sealed class DispatchHistory(int capacity)
{
    private readonly Lock _gate = new();
    private readonly Queue<DispatchRecord> _records = new();
    private long _sequence;

    // Clients send the same token over and over; keeping one copy saves a string per record.
    private string? _lastAuthorization;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _records.Count;
            }
        }
    }

    public DispatchRecord Append(DateTimeOffset receivedAt, string? authorization, byte[] body, in DispatchAnswer answer)
    {
        lock (_gate)
        {
            if (authorization is not null && string.Equals(authorization, _lastAuthorization, StringComparison.Ordinal))
            {
                authorization = _lastAuthorization;
            }
            else
            {
                _lastAuthorization = authorization;
            }

            var record = new DispatchRecord(++_sequence, receivedAt, authorization, body, in answer);
            if (_records.Count >= capacity)
            {
                _records.Dequeue();
            }

            _records.Enqueue(record);
            return record;
        }
    }

    public DispatchRecord[] Snapshot()
    {
        lock (_gate)
        {
            return _records.ToArray();
        }
    }

    public List<DispatchRecord> Snapshot(EmulatedOutcome outcome)
    {
        var result = new List<DispatchRecord>();
        lock (_gate)
        {
            foreach (var record in _records)
            {
                if (record.Outcome == outcome)
                {
                    result.Add(record);
                }
            }
        }

        return result;
    }

    public void Clear()
    {
        lock (_gate)
        {
            _records.Clear();
        }
    }
}
