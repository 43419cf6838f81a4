using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace AgentDispatch.Reliability.Tests.Hostile;

/// <summary>One log event as text: the formatted message, the exception with its stack, every structured value and every scope.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, int EventId, string Text, string? During);

/// <summary>
/// A logging provider that keeps every event of the dev host in memory, at Trace level whatever the
/// app's own filters say (<see cref="Register"/>), so a secret written at any level is found.
/// Each event is tagged with the case being sent when it was written.
/// </summary>
[ProviderAlias("HostileLogCapture")]
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<CapturedLog> _events = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();
    private volatile string? _during;

    public IReadOnlyCollection<CapturedLog> Events => _events;

    /// <summary>The case being sent now; events written meanwhile are tagged with it.</summary>
    public string? During
    {
        get => _during;
        set => _during = value;
    }

    /// <summary>Adds the provider with a rule of its own, which wins over the app's category rules (Microsoft.AspNetCore=Warning and so on).</summary>
    public void Register(ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.AddProvider(this);
        logging.AddFilter<LogCapture>(null, LogLevel.Trace);
    }

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
        // Nothing to release: the events are read after the host has stopped.
    }

    private static void AppendValue(StringBuilder text, object? value)
    {
        switch (value)
        {
            case null:
                text.Append("null");
                break;
            case string s:
                text.Append(s);
                break;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                foreach (var (key, item) in pairs)
                {
                    text.Append(' ').Append(key).Append('=');
                    AppendValue(text, item);
                }

                break;
            case IEnumerable items:
                foreach (var item in items)
                {
                    AppendValue(text, item);
                    text.Append(',');
                }

                break;
            default:
                text.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private sealed class CapturingLogger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            var text = new StringBuilder(formatter(state, exception));
            text.Append(" | state:");
            AppendValue(text, state);
            if (exception is not null)
            {
                text.Append(" | exception: ").Append(exception);
            }

            owner._scopes.ForEachScope(static (scope, builder) =>
            {
                builder.Append(" | scope:");
                AppendValue(builder, scope);
            }, text);
            owner._events.Enqueue(new CapturedLog(category, logLevel, eventId.Id, text.ToString(), owner._during));
        }
    }
}
