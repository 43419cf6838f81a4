using System.Collections.Concurrent;
using System.Threading.Channels;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace AgentDispatch.DevHost.Tests.Functions;

// Small function classes for the runner tests, shaped like the app's: thin classes with
// constructor-injected collaborators and the worker's own trigger attributes. Each test indexes
// only the class it needs, with its own settings.

/// <summary>What the sample functions saw, in order, for a test to await.</summary>
public sealed class Recorder<T>
{
    private readonly Channel<(T Item, long SeenAt)> _seen = Channel.CreateUnbounded<(T, long)>();

    public void Add(T item) => _seen.Writer.TryWrite((item, System.Diagnostics.Stopwatch.GetTimestamp()));

    /// <summary>The next thing seen, waiting at most <paramref name="timeout"/> (30 s by default).</summary>
    public async Task<T> NextAsync(TimeSpan? timeout = null) => (await NextSeenAsync(timeout)).Item;

    /// <summary>
    /// As <see cref="NextAsync"/>, with the <see cref="System.Diagnostics.Stopwatch"/> timestamp of when the
    /// function saw it: a test timing the gap between two calls measures the calls, not how late it got to run.
    /// </summary>
    public async Task<(T Item, long SeenAt)> NextSeenAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        return await _seen.Reader.ReadAsync(cts.Token);
    }

    public bool TryTake(out T item)
    {
        var taken = _seen.Reader.TryRead(out var seen);
        item = seen.Item!;
        return taken;
    }
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

// Functions that use what the dev host does not emulate: start-up must refuse each, naming it.

/// <summary>A trigger the dev host does not run, declared here so the tests need no extension package.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class SampleBlobTriggerAttribute(string blobPath) : TriggerBindingAttribute
{
    public string BlobPath { get; } = blobPath;
}

/// <summary>An input binding the dev host does not have.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class SampleTableInputAttribute(string tableName) : InputBindingAttribute
{
    public string TableName { get; } = tableName;
}

public static class BlobTriggeredFunction
{
    [Function("BlobTriggered")]
    public static void Run([SampleBlobTrigger("uploads/{name}")] string blob)
    {
    }
}

public static class TableInputQueueFunction
{
    [Function("TableInputQueue")]
    public static void Run([QueueTrigger("%TEXT_QUEUE%")] string text, [SampleTableInput("ledger")] string row)
    {
    }
}

public static class QueueOutputFunction
{
    [Function("QueueOutput")]
    [QueueOutput("out-queue")]
    public static string Run([QueueTrigger("%TEXT_QUEUE%")] string text) => text;
}

/// <summary>The worker's multi-output shape: an HTTP response and a queue message from one return value.</summary>
public sealed class ResponseAndMessage
{
    [HttpResult]
    public IResult? Response { get; init; }

    [QueueOutput("out-queue")]
    public string? Message { get; init; }
}

public static class MultiOutputHttpFunction
{
    [Function("MultiOutputHttp")]
    public static ResponseAndMessage Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "multi")] HttpRequest request)
        => new() { Response = Results.Ok(), Message = "sent" };
}

public static class FunctionContextTimerFunction
{
    [Function("ContextTimer")]
    public static void Run([TimerTrigger("%TICK_SCHEDULE%")] TimerInfo timer, FunctionContext context)
    {
    }
}

public static class NoTriggerFunction
{
    [Function("NoTrigger")]
    public static void Run(string text)
    {
    }
}

public sealed class SampleMiddleware : IFunctionsWorkerMiddleware
{
    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next) => next(context);
}
