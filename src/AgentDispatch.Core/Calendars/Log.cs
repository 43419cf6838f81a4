using Microsoft.Extensions.Logging;

namespace AgentDispatch.Calendars;

/// <summary>Feed events by feed name only: a feed's URL often embeds a private token and is never logged.</summary>
internal static partial class Log
{
    [LoggerMessage(820, LogLevel.Information, "Calendar feed {Feed} fetched: {Bytes} bytes, HTTP {Status}, in {ElapsedMs} ms")]
    public static partial void FeedFetched(ILogger logger, string feed, int bytes, int status, long elapsedMs);

    [LoggerMessage(821, LogLevel.Warning, "Calendar feed {Feed} not fetched (transient: {Transient}): {Reason}")]
    public static partial void FeedFailed(ILogger logger, string feed, bool transient, string reason);

    [LoggerMessage(822, LogLevel.Debug, "Calendar feed {Feed}: the server refused its URL from Key Vault secret {SecretName}; the secret is read again next time")]
    public static partial void VaultUrlForgotten(ILogger logger, string feed, string secretName);
}
