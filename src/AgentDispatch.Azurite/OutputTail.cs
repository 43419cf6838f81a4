namespace AgentDispatch.Azurite;

/// <summary>The last lines a child process wrote, for the error message when it fails.</summary>
internal sealed class OutputTail(int capacity)
{
    public const int DefaultCapacity = 40;

    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();

    public OutputTail()
        : this(DefaultCapacity)
    {
    }

    public void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            if (_lines.Count == capacity)
            {
                _lines.Dequeue();
            }

            _lines.Enqueue(line);
        }
    }

    public override string ToString()
    {
        lock (_gate)
        {
            return _lines.Count == 0 ? "(nothing)" : string.Join(Environment.NewLine, _lines);
        }
    }
}
