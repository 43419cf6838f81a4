using Microsoft.Extensions.Logging;

namespace AgentDispatch.DevHost.Functions;

/// <summary>What the queue (ids 1-8) and timer (ids 11-15) runners report; never a message body or a secret.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "{Function}: polling queue {Queue} (batch {BatchSize}, next batch at {NewBatchThreshold} in flight, {Encoding} bodies).")]
    public static partial void Listening(ILogger logger, string function, string queue, int batchSize, int newBatchThreshold, string encoding);

    [LoggerMessage(2, LogLevel.Error, "{Function} failed on message {MessageId} (attempt {DequeueCount} of {MaxDequeueCount}).")]
    public static partial void Failed(ILogger logger, Exception exception, string function, string messageId, long dequeueCount, int maxDequeueCount);

    [LoggerMessage(3, LogLevel.Warning, "{Function}: message {MessageId} reached maxDequeueCount {MaxDequeueCount}; moved it to queue {PoisonQueue}.")]
    public static partial void Poisoned(ILogger logger, string function, string messageId, int maxDequeueCount, string poisonQueue);

    [LoggerMessage(4, LogLevel.Warning, "{Function}: queue {Queue} cannot be reached; polling again with back-off.")]
    public static partial void Unreachable(ILogger logger, Exception exception, string function, string queue);

    [LoggerMessage(5, LogLevel.Information, "{Function}: queue {Queue} can be reached again.")]
    public static partial void Reachable(ILogger logger, string function, string queue);

    [LoggerMessage(6, LogLevel.Warning, "{Function}: message {MessageId} could not be completed; it becomes visible again when its visibility timeout ends.")]
    public static partial void CompletionFailed(ILogger logger, Exception exception, string function, string messageId);

    [LoggerMessage(7, LogLevel.Warning, "{Function}: the visibility of message {MessageId} could not be renewed; another poll may pick it up while it runs.")]
    public static partial void RenewalFailed(ILogger logger, Exception exception, string function, string messageId);

    [LoggerMessage(8, LogLevel.Warning, "{Function}: the shutdown timeout ended with {InFlight} message(s) still running; their cancellation token has fired.")]
    public static partial void StopTimedOut(ILogger logger, string function, int inFlight);

    [LoggerMessage(11, LogLevel.Information, "{Function}: RunOnStartup is set; running now.")]
    public static partial void RunOnStartup(ILogger logger, string function);

    [LoggerMessage(12, LogLevel.Warning, "{Function}: the run due at {Due:o} starts late, at {Started:o} (IsPastDue).")]
    public static partial void PastDue(ILogger logger, string function, DateTimeOffset due, DateTimeOffset started);

    [LoggerMessage(13, LogLevel.Error, "{Function} failed; the schedule goes on.")]
    public static partial void Failed(ILogger logger, Exception exception, string function);

    [LoggerMessage(14, LogLevel.Warning, "{Function}: schedule {Schedule} has no further occurrence.")]
    public static partial void NeverAgain(ILogger logger, string function, string schedule);

    [LoggerMessage(15, LogLevel.Warning, "{Function}: the shutdown timeout ended during a run; its cancellation token has fired.")]
    public static partial void StopTimedOut(ILogger logger, string function);
}
