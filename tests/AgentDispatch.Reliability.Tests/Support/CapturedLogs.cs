using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AgentDispatch.Reliability.Tests.Support;

/// <summary>
/// Takes the place of the console for an in-process dev host: counts what was logged per category
/// and level, and keeps the last lines for a failure message, so thousands of expected warnings
/// (faults, a stopped Azurite) do not flood the test run.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private const int KeptLines = 60;
    private readonly ConcurrentDictionary<(string Category, LogLevel Level), int> _counts = new();
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>How many entries at <paramref name="level"/> or above were logged under categories starting with <paramref name="categoryPrefix"/>.</summary>
    public int Count(string categoryPrefix, LogLevel level = LogLevel.Warning)
        => _counts.Where(c => c.Key.Category.StartsWith(categoryPrefix, StringComparison.Ordinal) && c.Key.Level >= level).Sum(c => c.Value);

    /// <summary>How many entries at exactly <paramref name="level"/> were logged under categories starting with <paramref name="categoryPrefix"/>.</summary>
    public int CountAt(string categoryPrefix, LogLevel level)
        => _counts.Where(c => c.Key.Category.StartsWith(categoryPrefix, StringComparison.Ordinal) && c.Key.Level == level).Sum(c => c.Value);

    /// <summary>Entries at Warning and above per category, most frequent first.</summary>
    public string Summary()
    {
        var warnings = _counts.Where(c => c.Key.Level >= LogLevel.Warning)
            .GroupBy(c => c.Key.Category)
            .Select(g => (Category: g.Key, Count: g.Sum(c => c.Value)))
            .OrderByDescending(c => c.Count)
            .Select(c => $"{c.Category} {c.Count}");
        return string.Join(", ", warnings) is { Length: > 0 } text ? text : "(none)";
    }

    public string LastLines() => string.Join(Environment.NewLine, _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(string category, LogLevel level, string line)
    {
        _counts.AddOrUpdate((category, level), 1, static (_, n) => n + 1);
        _lines.Enqueue(line);
        while (_lines.Count > KeptLines && _lines.TryDequeue(out _))
        {
        }
    }

    private sealed class Logger(CapturedLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}";
            if (exception is not null)
            {
                line += $" [{exception.GetType().Name}: {exception.Message}]";
            }

            logs.Add(category, logLevel, line);
        }
    }
}
