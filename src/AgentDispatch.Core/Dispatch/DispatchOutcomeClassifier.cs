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

    public static DispatchOutcomeKind Classify(int status, string? message)
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
            >= 200 and < 300 => DispatchOutcomeKind.Assigned,
            (int)HttpStatusCode.Unauthorized or (int)HttpStatusCode.Forbidden => DispatchOutcomeKind.Unauthorized,
            (int)HttpStatusCode.TooManyRequests or (int)HttpStatusCode.ServiceUnavailable => DispatchOutcomeKind.Capacity,
            // A redirect is not followed for a POST (it would turn into a GET): the base URL is wrong.
            >= 300 and < 500 => DispatchOutcomeKind.Rejected,
            _ => DispatchOutcomeKind.Transient,
        };
    }
}
