using Microsoft.Extensions.Logging;

namespace AgentDispatch.Schedules;

/// <summary>Schedule events, by schedule name and occurrence; the dispatch request itself is logged by the jobs.</summary>
internal static partial class Log
{
    [LoggerMessage(700, LogLevel.Information, "Schedule {Schedule}: job {DispatchId} created for the occurrence at {Occurrence:o} (useful until {NotAfter:o})")]
    public static partial void Created(ILogger logger, string schedule, string dispatchId, DateTimeOffset occurrence, DateTimeOffset notAfter);

    [LoggerMessage(701, LogLevel.Debug, "Schedule {Schedule}: the occurrence at {Occurrence:o} was not submitted: {Errors}")]
    public static partial void NotSubmitted(ILogger logger, string schedule, DateTimeOffset occurrence, string errors);

    [LoggerMessage(702, LogLevel.Warning, "Schedule {Schedule}: the occurrence at {Occurrence:o} already has job {DispatchId} for a different meeting, agent or version (another instance runs other settings); that job stands")]
    public static partial void KeyTaken(ILogger logger, string schedule, DateTimeOffset occurrence, string dispatchId);

    [LoggerMessage(703, LogLevel.Error, "Schedule {Schedule}: the occurrence at {Occurrence:o} could not be submitted; the next run tries again while its window lasts")]
    public static partial void SubmitFailed(ILogger logger, string schedule, DateTimeOffset occurrence, Exception exception);

    [LoggerMessage(704, LogLevel.Warning, "Schedule {Schedule} has more than {Limit} occurrences to create in one run; the rest wait for later runs")]
    public static partial void TooMany(ILogger logger, string schedule, int limit);

    [LoggerMessage(705, LogLevel.Warning, "Schedule {Path} has no Name, so its jobs are keyed by its position '{Key}': reordering the list would make new keys. Set {Path}:Name")]
    public static partial void Unnamed(ILogger logger, string path, string key);

    [LoggerMessage(706, LogLevel.Debug, "Schedules: {Created} jobs created, {Existing} existing, {Skipped} skipped, {Failed} failed")]
    public static partial void Ticked(ILogger logger, int created, int existing, int skipped, int failed);
}
