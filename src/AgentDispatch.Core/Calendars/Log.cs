using Microsoft.Extensions.Logging;

namespace AgentDispatch.Calendars;

/// <summary>Calendar feed events, by feed name only: a feed's URL often embeds a private token and is never logged.</summary>
internal static partial class Log
{
    [LoggerMessage(800, LogLevel.Warning, "Calendar feed {Feed} skipped this poll, its jobs left as they are: {Reason}")]
    public static partial void FeedSkipped(ILogger logger, string feed, string reason);

    [LoggerMessage(801, LogLevel.Information, "Calendar feed {Feed}: {Occurrences} occurrences; {Created} created, {Moved} moved, {Cancelled} cancelled, {Unchanged} unchanged, {Ignored} ignored")]
    public static partial void Polled(ILogger logger, string feed, int occurrences, int created, int moved, int cancelled, int unchanged, int ignored);

    [LoggerMessage(802, LogLevel.Warning, "Calendar feed {Feed}: {Problem}")]
    public static partial void Problem(ILogger logger, string feed, string problem);

    // Named FeedFailed in the log as it always was; the method name only tells it from the fetch failure (821).
    [LoggerMessage(EventId = 803, EventName = "FeedFailed", Level = LogLevel.Error, Message = "Calendar feed {Feed} failed this poll; its other work goes on and the next poll tries again")]
    public static partial void PollFailed(ILogger logger, string feed, Exception exception);

    [LoggerMessage(804, LogLevel.Debug, "Calendar feed {Feed} skipped this poll again, its jobs left as they are: {Reason}")]
    public static partial void FeedStillSkipped(ILogger logger, string feed, string reason);

    [LoggerMessage(805, LogLevel.Information, "Calendar feed {Feed} is syncing again")]
    public static partial void FeedRecovered(ILogger logger, string feed);

    [LoggerMessage(806, LogLevel.Warning, "The calendars added through the API could not be read ({Error}); this poll covers the settings' feeds only")]
    public static partial void RuntimeFeedsUnreadable(ILogger logger, string error, Exception exception);

    [LoggerMessage(807, LogLevel.Warning, "Calendar feed {Feed}: its sync state could not be recorded ({Error}); the poll itself went on")]
    public static partial void SyncNotRecorded(ILogger logger, string feed, string error);

    [LoggerMessage(820, LogLevel.Information, "Calendar feed {Feed} fetched: {Bytes} bytes, HTTP {Status}, in {ElapsedMs} ms")]
    public static partial void FeedFetched(ILogger logger, string feed, int bytes, int status, long elapsedMs);

    [LoggerMessage(821, LogLevel.Warning, "Calendar feed {Feed} not fetched (transient: {Transient}): {Reason}")]
    public static partial void FeedFailed(ILogger logger, string feed, bool transient, string reason);

    [LoggerMessage(822, LogLevel.Debug, "Calendar feed {Feed}: the server refused its URL from Key Vault secret {SecretName}; the secret is read again next time")]
    public static partial void VaultUrlForgotten(ILogger logger, string feed, string secretName);
}
