using Microsoft.Extensions.Logging;

namespace AgentDispatch.Functions.Jobs;

/// <summary>Queue messages the functions refuse.</summary>
internal static partial class Log
{
    [LoggerMessage(200, LogLevel.Warning, "Message {MessageId} from {Queue} moved to the poison queue at once: {Reason} {Errors}")]
    public static partial void Poisoned(ILogger logger, string messageId, string queue, string reason, string errors);
}
