using Microsoft.Extensions.Logging;

namespace AgentDispatch.Auth;

/// <summary>Token renewals; never the token itself.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "VideoSDK token renewed from {TokenSource}; next renewal at {RenewAt:o}")]
    public static partial void TokenRenewed(ILogger logger, string tokenSource, DateTimeOffset renewAt);

    [LoggerMessage(2, LogLevel.Warning, "Could not renew the VideoSDK token from {TokenSource} ({Reason}); keeping the current token for now")]
    public static partial void KeepingTokenWhileSourceFails(ILogger logger, string tokenSource, string reason);
}
