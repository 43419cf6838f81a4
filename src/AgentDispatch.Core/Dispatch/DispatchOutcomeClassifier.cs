using System.Net;

namespace AgentDispatch.Dispatch;

/// <summary>
/// Classifies VideoSDK's answers. VideoSDK documents its failures by message text only, with no
/// status codes, so the message decides first and the status code second.
/// </summary>
public static class DispatchOutcomeClassifier
{
    public const string NoWorkersAvailable = "No workers available";
    public const string NoWorkersRegistered = "No Workers Registered";
    public const string AgentNotDeployed = "Agent Not Deployed";

    /// <summary>
    /// True when the answer proves nothing was dispatched, so sending the same request again cannot
    /// put a second agent in the meeting: VideoSDK's "No workers available", or a 429/503 that carries
    /// no message at all (a gateway or rate limiter turned it away). Other 503s reached the service.
    /// </summary>
    public static bool ProvesNothingDispatched(int status, string? message)
        => (message is not null && message.Contains(NoWorkersAvailable, StringComparison.OrdinalIgnoreCase))
           || (message is null && status is (int)HttpStatusCode.TooManyRequests or (int)HttpStatusCode.ServiceUnavailable);

    public static DispatchOutcomeKind Classify(int status, string? message, bool? success = null)
    {
        if (message is not null)
        {
            if (message.Contains(NoWorkersAvailable, StringComparison.OrdinalIgnoreCase))
            {
                return DispatchOutcomeKind.Capacity;
            }

            if (message.Contains(NoWorkersRegistered, StringComparison.OrdinalIgnoreCase)
                || message.Contains(AgentNotDeployed, StringComparison.OrdinalIgnoreCase))
            {
                return DispatchOutcomeKind.Configuration;
            }
        }

        return status switch
        {
            // A success status whose body says it did not succeed is a refusal, not an assignment.
            >= 200 and < 300 when success == false => DispatchOutcomeKind.Rejected,
            >= 200 and < 300 => DispatchOutcomeKind.Assigned,
            (int)HttpStatusCode.Unauthorized or (int)HttpStatusCode.Forbidden => DispatchOutcomeKind.Unauthorized,
            (int)HttpStatusCode.TooManyRequests or (int)HttpStatusCode.ServiceUnavailable => DispatchOutcomeKind.Capacity,
            // A redirect is not followed for a POST (it would turn into a GET): the base URL is wrong.
            >= 300 and < 500 => DispatchOutcomeKind.Rejected,
            _ => DispatchOutcomeKind.Transient,
        };
    }
}
