using System.Collections.Concurrent;
using System.Threading.Channels;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.DevHost.Tests.Functions;

// Small function classes for the runner tests, shaped like the app's: thin classes with
// constructor-injected collaborators and the worker's own trigger attributes. Each test indexes
// only the class it needs, with its own settings.

/// <summary>What the sample functions saw, in order, for a test to await.</summary>
public sealed class Recorder<T>
{
    private readonly Channel<T> _seen = Channel.CreateUnbounded<T>();

    public void Add(T item) => _seen.Writer.TryWrite(item);

    /// <summary>The next thing seen, waiting at most <paramref name="timeout"/> (30 s by default).</summary>
    public async Task<T> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        return await _seen.Reader.ReadAsync(cts.Token);
    }

    public bool TryTake(out T item) => _seen.Reader.TryRead(out item!);
}

/// <summary>Counts invocations running at once and the most there ever were.</summary>
public sealed class ConcurrencyMeter
{
    private int _current;
    private int _max;

    private int _completed;

    public int Max => Volatile.Read(ref _max);

    public int Completed => Volatile.Read(ref _completed);

    public void Enter()
    {
        var now = Interlocked.Increment(ref _current);
        for (var max = Volatile.Read(ref _max); now > max; max = Volatile.Read(ref _max))
        {
            if (Interlocked.CompareExchange(ref _max, now, max) == max)
            {
                break;
            }
        }
    }

    public void Exit()
    {
        Interlocked.Decrement(ref _current);
        Interlocked.Increment(ref _completed);
    }
}

/// <summary>Holds invocations until the test opens it; records who entered and their cancellation token.</summary>
public sealed class Gate
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Recorder<CancellationToken> Entered { get; } = new();

    public void Open() => _open.TrySetResult();

    public async Task PassAsync(CancellationToken cancellationToken)
    {
        Entered.Add(cancellationToken);
        await _open.Task.WaitAsync(cancellationToken);
    }
}

/// <summary>Tracks instances of the function classes, to see they are created per call and disposed.</summary>
public sealed class InstanceLog
{
    public ConcurrentBag<object> Created { get; } = [];

    public ConcurrentBag<object> Disposed { get; } = [];
}

public sealed class TextQueueFunction : IDisposable
{
    private readonly Recorder<string> _seen;
    private readonly InstanceLog _instances;

    public TextQueueFunction(Recorder<string> seen, InstanceLog instances)
    {
        _seen = seen;
        _instances = instances;
        instances.Created.Add(this);
    }

    [Function("TextQueue")]
    public void Run([QueueTrigger("%TEXT_QUEUE%")] string text) => _seen.Add(text);

    public void Dispose() => _instances.Disposed.Add(this);
}

public sealed class MessageQueueFunction(Recorder<QueueMessage> seen)
{
    [Function("MessageQueue")]
    public Task Run([QueueTrigger("%MESSAGE_QUEUE%", Connection = "SampleStorage")] QueueMessage message, CancellationToken cancellationToken)
    {
        seen.Add(message);
        return Task.CompletedTask;
    }
}

public sealed class BinaryQueueFunction(Recorder<BinaryData> seen)
{
    [Function("BinaryQueue")]
    public ValueTask Run([QueueTrigger("%BINARY_QUEUE%")] BinaryData body)
    {
        seen.Add(body);
        return ValueTask.CompletedTask;
    }
}

public sealed class FailingQueueFunction(Recorder<QueueMessage> seen)
{
    [Function("FailingQueue")]
    public Task Run([QueueTrigger("%FAILING_QUEUE%")] QueueMessage message)
    {
        seen.Add(message);
        throw new InvalidOperationException("The sample function fails on purpose.");
    }
}

public sealed class SlowQueueFunction(ConcurrencyMeter meter)
{
    [Function("SlowQueue")]
    public async Task Run([QueueTrigger("%SLOW_QUEUE%")] string text, CancellationToken cancellationToken)
    {
        meter.Enter();
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
        finally
        {
            meter.Exit();
        }
    }
}

public sealed class GatedQueueFunction(Gate gate)
{
    [Function("GatedQueue")]
    public Task Run([QueueTrigger("%GATED_QUEUE%")] string text, CancellationToken cancellationToken) => gate.PassAsync(cancellationToken);
}

public static class UnbindableQueueFunction
{
    [Function("UnbindableQueue")]
    public static void Run([QueueTrigger("%TEXT_QUEUE%")] string text, Uri callback)
    {
    }
}

public static class OutputBindingQueueFunction
{
    [Function("OutputBindingQueue")]
    public static string Run([QueueTrigger("%TEXT_QUEUE%")] string text) => text;
}

public sealed class TickFunction(Recorder<TimerInfo> seen, Gate? gate = null)
{
    public const string ScheduleSetting = "TICK_SCHEDULE";

    [Function("Tick")]
    public async Task Run([TimerTrigger("%TICK_SCHEDULE%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        seen.Add(timer);
        if (gate is not null)
        {
            await gate.PassAsync(cancellationToken);
        }
    }
}

public sealed class StartupTickFunction(Recorder<TimerInfo> seen, Gate? gate = null)
{
    [Function("StartupTick")]
    public async Task Run([TimerTrigger("%TICK_SCHEDULE%", RunOnStartup = true)] TimerInfo timer, CancellationToken cancellationToken)
    {
        seen.Add(timer);
        if (gate is not null)
        {
            await gate.PassAsync(cancellationToken);
        }
    }
}

public sealed class FixedScheduleTickFunction(Recorder<TimerInfo> seen)
{
    [Function("FixedScheduleTick")]
    public void Run([TimerTrigger("0 0 9 * * *")] TimerInfo timer) => seen.Add(timer);
}

public static class UnbindableTimerFunction
{
    [Function("UnbindableTimer")]
    public static void Run([TimerTrigger("%TICK_SCHEDULE%")] string timer)
    {
    }
}
