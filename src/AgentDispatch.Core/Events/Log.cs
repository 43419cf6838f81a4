using AgentDispatch.Jobs;
using Microsoft.Extensions.Logging;

namespace AgentDispatch.Events;

/// <summary>Meeting-event outcomes, with ids as structured properties.</summary>
internal static partial class Log
{
    [LoggerMessage(400, LogLevel.Information, "{Source} event ({Kind}): {Status}, {Reason} (job {DispatchId}, rule {Rule})")]
    public static partial void Processed(ILogger logger, string source, MeetingEventKind kind, SourceJobStatus status, string reason, string? dispatchId, string? rule);
}
