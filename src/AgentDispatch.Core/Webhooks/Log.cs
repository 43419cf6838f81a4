using Microsoft.Extensions.Logging;

namespace AgentDispatch.Webhooks;

/// <summary>Webhook deliveries refused or not understood; never a signature, secret or body.</summary>
internal static partial class Log
{
    [LoggerMessage(500, LogLevel.Warning, "{Provider} webhook refused: {Reason} ({Bytes} bytes); nothing stored")]
    public static partial void Rejected(ILogger logger, WebhookProvider provider, string reason, int bytes);

    [LoggerMessage(501, LogLevel.Error, "{Provider} webhook not accepted: {Problem}")]
    public static partial void NotConfigured(ILogger logger, WebhookProvider provider, string problem);

    [LoggerMessage(502, LogLevel.Warning, "{Provider} webhook signed but not understood: {Errors}")]
    public static partial void Invalid(ILogger logger, WebhookProvider provider, string errors);
}
