using Microsoft.Extensions.Logging;

namespace AgentDispatch.Azurite;

/// <summary>
/// Installing, readiness and stopping of Azurite. Every start is <see cref="AzuriteProcess"/>'s, on
/// 127.0.0.1 with <c>--disableTelemetry</c>; nothing here starts it.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "node_modules/azurite is missing in {Root}: running 'npm ci --no-audit --no-fund' there once (about a minute).")]
    public static partial void Installing(ILogger logger, string root);

    [LoggerMessage(2, LogLevel.Debug, "Azurite (pid {ProcessId}) answers on 127.0.0.1: blob {BlobPort}, queue {QueuePort}, table {TablePort}, after {ElapsedMs} ms.")]
    public static partial void Ready(ILogger logger, int processId, int blobPort, int queuePort, int tablePort, long elapsedMs);

    [LoggerMessage(3, LogLevel.Warning, "Azurite (pid {ProcessId}) could not be stopped cleanly.")]
    public static partial void KillFailed(ILogger logger, Exception exception, int processId);

    [LoggerMessage(4, LogLevel.Warning, "Azurite (pid {ProcessId}) did not exit after SIGTERM; killed it.")]
    public static partial void StopTimedOut(ILogger logger, int processId);
}
