using AgentDispatch.DevHost.Settings;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace AgentDispatch.DevHost.Functions;

/// <summary>
/// Runs one queue-triggered function as the Functions host's queue listener does: polls the queue
/// with back-off, runs up to <c>batchSize + newBatchThreshold</c> messages at once, deletes a message
/// when its function succeeds, and on failure makes it visible again after <c>visibilityTimeout</c>
/// or, at <c>maxDequeueCount</c>, moves it to <c>&lt;queue&gt;-poison</c>.
/// </summary>
public sealed partial class QueueFunctionRunner : IHostedService, IAsyncDisposable
{
    /// <summary>
    /// How long a received message stays hidden while its function runs, renewed at half time: the
    /// Functions host's fixed 10 minutes. It is also how long a message whose process died mid-run
    /// stays hidden before another instance gets it.
    /// </summary>
    public static readonly TimeSpan DefaultProcessingVisibility = TimeSpan.FromMinutes(10);

    /// <summary>Queue visibility has whole-second precision, and renewal at half time needs at least that.</summary>
    public static readonly TimeSpan MinProcessingVisibility = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan FirstPollDelay = TimeSpan.FromMilliseconds(100);

    // Completing a message (delete, retry, poison) must work while the host stops, but not hang it.
    private static readonly TimeSpan CompletionTimeout = TimeSpan.FromSeconds(30);

    private readonly QueueFunction _function;
    private readonly QueueTriggerOptions _options;
    private readonly IServiceProvider _services;
    private readonly FunctionInvoker<QueueTriggerInput> _invoker;
    private readonly QueueClient _queue;
    private readonly QueueClient _poison;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly SemaphoreSlim _completed = new(0);
    private Task? _polling;
    private int _inFlight;
    private int _poisonQueueCreated;

    /// <param name="services">The app's services: each invocation gets a scope of them; the <see cref="TimeProvider"/> and logging come from here.</param>
    /// <param name="processingVisibility">
    /// <see cref="DefaultProcessingVisibility"/> unless given (setting <c>DevHost:QueueVisibility</c>): a crash
    /// test shortens it so a message held by a killed dev host comes back within seconds.
    /// </param>
    public QueueFunctionRunner(QueueFunction function, QueueTriggerOptions options, IServiceProvider services, TimeSpan? processingVisibility = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        var visibility = processingVisibility ?? DefaultProcessingVisibility;
        if (visibility < MinProcessingVisibility || visibility > QueueTriggerOptions.MaxVisibilityTimeout)
        {
            throw new ArgumentOutOfRangeException(
                nameof(processingVisibility), visibility, $"The processing visibility must be between {MinProcessingVisibility:c} and {QueueTriggerOptions.MaxVisibilityTimeout:c}.");
        }

        _function = function;
        _options = options.Validate();
        ProcessingVisibility = visibility;
        _services = services;
        _invoker = function.CreateInvoker();
        // Bodies are decoded here per host.json messageEncoding, and poison copies keep the stored text.
        var clientOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        // The poll loop has its own back-off, so a few quick SDK retries are enough: with Storage's
        // defaults a stopped emulator takes about 25 s to show up in the log.
        clientOptions.Retry.MaxRetries = 3;
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(500);
        clientOptions.Retry.MaxDelay = TimeSpan.FromSeconds(4);
        clientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        _queue = new QueueClient(function.ConnectionString, function.QueueName, clientOptions);
        _poison = new QueueClient(function.ConnectionString, PoisonQueueName(function.QueueName), clientOptions);
        _time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        // The Functions host logs an invocation under "Function.<name>".
        _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Function." + function.Name);
    }

    public QueueFunction Function => _function;

    /// <summary>How long a received message stays hidden while its function runs; renewed at half time.</summary>
    public TimeSpan ProcessingVisibility { get; }

    public static string PoisonQueueName(string queueName) => queueName + "-poison";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_polling is not null)
        {
            throw new InvalidOperationException($"The runner for {_function.Name} has already been started.");
        }

        Log.Listening(_logger, _function.Name, _function.QueueName, _options.BatchSize, _options.NewBatchThreshold, _options.MessageEncoding.ToString().ToLowerInvariant());
        _polling = Task.Run(() => PollAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops fetching at once, then waits for the messages in hand to finish. Their functions'
    /// cancellation token fires only when <paramref name="cancellationToken"/> does (the host's
    /// shutdown timeout): a dispatch cut off half-way is worse than a slower Ctrl+C.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        using var abortOnTimeout = cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), _abort);
        if (_polling is not null)
        {
            await _polling.ConfigureAwait(false);
        }

        try
        {
            while (Volatile.Read(ref _inFlight) > 0)
            {
                await _completed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            Log.StopTimedOut(_logger, _function.Name, Volatile.Read(ref _inFlight));
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Disposed by the container after StopAsync; without a stop (a failed start) this ends the work.
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _abort.CancelAsync().ConfigureAwait(false);
        if (_polling is not null)
        {
            await _polling.ConfigureAwait(false);
        }
    }

    private async Task PollAsync(CancellationToken stopping)
    {
        var delay = FirstPollDelay;
        var queueCreated = false;
        var unreachable = false;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // Like the host: the next batch is fetched only when at most newBatchThreshold are still running.
                while (Volatile.Read(ref _inFlight) > _options.NewBatchThreshold)
                {
                    await _completed.WaitAsync(stopping).ConfigureAwait(false);
                }

                if (!queueCreated)
                {
                    await _queue.CreateIfNotExistsAsync(cancellationToken: stopping).ConfigureAwait(false);
                    queueCreated = true;
                }

                QueueMessage[] messages = await _queue.ReceiveMessagesAsync(_options.BatchSize, ProcessingVisibility, stopping).ConfigureAwait(false);
                if (unreachable)
                {
                    Log.Reachable(_logger, _function.Name, _function.QueueName);
                    unreachable = false;
                }

                if (messages.Length == 0)
                {
                    await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
                    delay = NextDelay(delay);
                    continue;
                }

                delay = FirstPollDelay;
                foreach (var message in messages)
                {
                    Interlocked.Increment(ref _inFlight);
                    // Off the polling loop: a function that blocks before its first await must not stall polling.
                    _ = Task.Run(() => ProcessAsync(message), CancellationToken.None);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Storage down or refusing: the host logs it and keeps polling, it never crashes.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                if (!unreachable)
                {
                    Log.Unreachable(_logger, ex, _function.Name, _function.QueueName);
                    unreachable = true;
                }

                try
                {
                    await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = NextDelay(delay);
            }
        }
    }

    private TimeSpan NextDelay(TimeSpan delay)
        => delay * 2 < _options.MaxPollingInterval ? delay * 2 : _options.MaxPollingInterval;

    private async Task ProcessAsync(QueueMessage message)
    {
        try
        {
            var lease = new VisibilityLease(this, message);
            Exception? failure = null;
            await using (lease.ConfigureAwait(false))
            {
                try
                {
                    await _invoker.InvokeAsync(_services, new QueueTriggerInput(ForFunction(message, out var body), body), _abort.Token).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // Whatever the function throws is a failed attempt of this message, as under the host.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    failure = ex;
                }
            }

            using var timeout = new CancellationTokenSource(CompletionTimeout);
            if (failure is null)
            {
                await _queue.DeleteMessageAsync(message.MessageId, lease.PopReceipt, timeout.Token).ConfigureAwait(false);
                return;
            }

            Log.Failed(_logger, failure, _function.Name, message.MessageId, message.DequeueCount, _options.MaxDequeueCount);
            if (message.DequeueCount >= _options.MaxDequeueCount)
            {
                if (Interlocked.CompareExchange(ref _poisonQueueCreated, 1, 0) == 0)
                {
                    await _poison.CreateIfNotExistsAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
                }

                // The poison copy is the message text as stored, so it can be inspected or re-queued as is.
                await _poison.SendMessageAsync(message.Body.ToString(), timeout.Token).ConfigureAwait(false);
                await _queue.DeleteMessageAsync(message.MessageId, lease.PopReceipt, timeout.Token).ConfigureAwait(false);
                Log.Poisoned(_logger, _function.Name, message.MessageId, _options.MaxDequeueCount, _poison.Name);
            }
            else
            {
                await _queue.UpdateMessageAsync(message.MessageId, lease.PopReceipt, (BinaryData?)null, _options.VisibilityTimeout, timeout.Token).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // A message that cannot be completed reappears when its visibility ends; the host carries on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Interlocked.Exchange(ref _poisonQueueCreated, 0);
            Log.CompletionFailed(_logger, ex, _function.Name, message.MessageId);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            _completed.Release();
        }
    }

    /// <summary>The message as the function sees it: its body decoded per <c>messageEncoding</c>.</summary>
    private QueueMessage ForFunction(QueueMessage message, out BinaryData body)
    {
        if (_options.MessageEncoding == QueueBodyEncoding.None)
        {
            body = message.Body;
            return message;
        }

        try
        {
            body = new BinaryData(Convert.FromBase64String(message.Body.ToString()));
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException(
                $"Message {message.MessageId} is not valid base64, and host.json extensions.queues.messageEncoding is \"base64\" (the default). "
                + "A producer that sends plain text needs \"messageEncoding\": \"none\".", ex);
        }

        return QueuesModelFactory.QueueMessage(
            message.MessageId, message.PopReceipt, body, message.DequeueCount, message.NextVisibleOn, message.InsertedOn, message.ExpiresOn);
    }

    /// <summary>
    /// Keeps a message hidden while its function runs longer than <see cref="ProcessingVisibility"/>,
    /// as the host does, and holds the latest pop receipt (each renewal changes it).
    /// </summary>
    private sealed class VisibilityLease : IAsyncDisposable
    {
        private readonly QueueFunctionRunner _runner;
        private readonly QueueMessage _message;
        private readonly CancellationTokenSource _done = new();
        private readonly Task _renewing;
        private string _popReceipt;

        public VisibilityLease(QueueFunctionRunner runner, QueueMessage message)
        {
            _runner = runner;
            _message = message;
            _popReceipt = message.PopReceipt;
            _renewing = RenewAsync();
        }

        public string PopReceipt => Volatile.Read(ref _popReceipt);

        public async ValueTask DisposeAsync()
        {
            await _done.CancelAsync().ConfigureAwait(false);
            await _renewing.ConfigureAwait(false);
            _done.Dispose();
        }

        private async Task RenewAsync()
        {
            try
            {
                while (true)
                {
                    await Task.Delay(_runner.ProcessingVisibility / 2, _runner._time, _done.Token).ConfigureAwait(false);
                    var receipt = await _runner._queue.UpdateMessageAsync(
                        _message.MessageId, PopReceipt, (BinaryData?)null, _runner.ProcessingVisibility, _done.Token).ConfigureAwait(false);
                    Volatile.Write(ref _popReceipt, receipt.Value.PopReceipt);
                }
            }
            catch (OperationCanceledException) when (_done.IsCancellationRequested)
            {
            }
#pragma warning disable CA1031 // A lost renewal means the message may run twice, which handlers must tolerate anyway (at-least-once).
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.RenewalFailed(_runner._logger, ex, _runner._function.Name, _message.MessageId);
            }
        }
    }
}
