using Microsoft.Extensions.Logging;

namespace AgentDispatch.VideoSdkEmulator.Control;

internal static partial class Log
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information,
        Message = "Worker {WorkerId} registered for agent {AgentId} (maxProcesses {MaxProcesses}, loadThreshold {LoadThreshold}, draining {Draining})")]
    public static partial void WorkerRegistered(ILogger logger, string workerId, string agentId, int maxProcesses, double loadThreshold, bool draining);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Worker {WorkerId} removed")]
    public static partial void WorkerRemoved(ILogger logger, string workerId);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "All workers removed")]
    public static partial void WorkersCleared(ILogger logger);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Deployments replaced: {Count} entries")]
    public static partial void DeploymentsReplaced(ILogger logger, int count);

    [LoggerMessage(EventId = 204, Level = LogLevel.Information,
        Message = "Faults set: 503 {Error503Rate}, 429 {Error429Rate}, slow {SlowRate} ({SlowDelay}), drop {DropRate}")]
    public static partial void FaultsChanged(ILogger logger, double error503Rate, double error429Rate, double slowRate, TimeSpan slowDelay, double dropRate);

    [LoggerMessage(EventId = 205, Level = LogLevel.Information, Message = "Faults cleared")]
    public static partial void FaultsCleared(ILogger logger);

    [LoggerMessage(EventId = 206, Level = LogLevel.Information, Message = "Emulator state reset")]
    public static partial void StateReset(ILogger logger);

    [LoggerMessage(EventId = 207, Level = LogLevel.Information, Message = "Join faults replaced: {Count} entries")]
    public static partial void JoinFaultsReplaced(ILogger logger, int count);

    [LoggerMessage(EventId = 208, Level = LogLevel.Information, Message = "Join faults cleared")]
    public static partial void JoinFaultsCleared(ILogger logger);
}
