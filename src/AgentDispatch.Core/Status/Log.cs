using Microsoft.Extensions.Logging;

namespace AgentDispatch.Status;

internal static partial class Log
{
    [LoggerMessage(900, LogLevel.Warning, "Status page: the notification backlog could not be read ({ErrorType}); the page shows the rest")]
    public static partial void BacklogUnreadable(ILogger logger, string errorType, Exception exception);
}
