using System.Text.Json;
using AgentDispatch.VideoSdkEmulator.Hosting;

namespace AgentDispatch.VideoSdkEmulator.Dispatch;

/// <summary>The upstream's message texts, which callers classify by, and their encoded bodies.</summary>
internal static class DispatchMessages
{
    public const string Unauthorized = "Unauthorized";
    public const string InvalidToken = "Invalid token";
    public const string NoWorkersRegistered = "No Workers Registered";
    public const string NoWorkersAvailable = "No workers available";
    public const string AgentNotDeployed = "Agent Not Deployed";
    public const string ServiceUnavailable = "Service Unavailable";
    public const string TooManyRequests = "Too Many Requests";
    public const string BodyTooLarge = "Request body too large.";

    // Shared by every record that answered the same fixed message.
    public static readonly byte[] UnauthorizedBody = Encode(Unauthorized);
    public static readonly byte[] InvalidTokenBody = Encode(InvalidToken);
    public static readonly byte[] NoWorkersRegisteredBody = Encode(NoWorkersRegistered);
    public static readonly byte[] NoWorkersAvailableBody = Encode(NoWorkersAvailable);
    public static readonly byte[] AgentNotDeployedBody = Encode(AgentNotDeployed);
    public static readonly byte[] ServiceUnavailableBody = Encode(ServiceUnavailable);
    public static readonly byte[] TooManyRequestsBody = Encode(TooManyRequests);
    public static readonly byte[] BodyTooLargeBody = Encode(BodyTooLarge);

    public static byte[] Encode(string message) =>
        JsonSerializer.SerializeToUtf8Bytes(new MessageBody(message), EmulatorJsonContext.Wire.MessageBody);

    public static byte[] Success(string meetingId, string agentId) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new DispatchSuccessBody(DispatchSuccessBody.SuccessMessage, new DispatchSuccessData(true, "assigned", meetingId, agentId)),
            EmulatorJsonContext.Wire.DispatchSuccessBody);
}
