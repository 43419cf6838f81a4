using System.Globalization;
using System.Text;
using AgentDispatch.Dispatch;
using AgentDispatch.Functions.Http;
using Microsoft.AspNetCore.Http;

namespace AgentDispatch.Functions.Dispatch;

/// <summary>The HTTP answer for each dispatch outcome (the status table in docs/http-api.md).</summary>
public static class DispatchResults
{
    /// <summary>Sent with a capacity answer when VideoSDK gave no <c>Retry-After</c> of its own.</summary>
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(5);

    public static IResult From(DispatchOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return outcome.Kind switch
        {
            // Callers see VideoSDK's own success body, as if they had called it directly.
            DispatchOutcomeKind.Assigned => TypedResults.Bytes(Encoding.UTF8.GetBytes(outcome.ResponseBody ?? "{}"), "application/json"),
            DispatchOutcomeKind.Capacity when outcome.IsLocal => new WithHeaderResult(
                Problem(StatusCodes.Status503ServiceUnavailable, "rate-limited", "This instance is sending to VideoSDK as fast as VideoSdk:RateLimit allows.", outcome),
                "Retry-After",
                Math.Ceiling((outcome.RetryAfter ?? DefaultRetryAfter).TotalSeconds).ToString(CultureInfo.InvariantCulture)),
            DispatchOutcomeKind.Capacity => new WithHeaderResult(
                Problem(StatusCodes.Status503ServiceUnavailable, "capacity", "No VideoSDK worker is available right now.", outcome),
                "Retry-After",
                Math.Ceiling((outcome.RetryAfter ?? DefaultRetryAfter).TotalSeconds).ToString(CultureInfo.InvariantCulture)),
            DispatchOutcomeKind.Configuration when outcome.IsLocal =>
                Problem(StatusCodes.Status500InternalServerError, "token-unavailable", "The VideoSDK token could not be obtained.", outcome),
            DispatchOutcomeKind.Configuration =>
                Problem(StatusCodes.Status422UnprocessableEntity, "agent-configuration", "The agent cannot be dispatched as configured.", outcome),
            DispatchOutcomeKind.Unauthorized =>
                Problem(StatusCodes.Status502BadGateway, "upstream-unauthorized", "VideoSDK refused this app's auth token.", outcome),
            DispatchOutcomeKind.Rejected =>
                Problem(outcome.UpstreamStatus == StatusCodes.Status400BadRequest ? StatusCodes.Status400BadRequest : StatusCodes.Status422UnprocessableEntity,
                    "upstream-rejected", "VideoSDK rejected the dispatch.", outcome),
            DispatchOutcomeKind.Transient =>
                Problem(StatusCodes.Status502BadGateway, "upstream-unavailable", "VideoSDK could not take the dispatch; nothing was dispatched.", outcome),
            _ => Problem(StatusCodes.Status504GatewayTimeout, "upstream-no-answer", "No answer from VideoSDK; an agent may have been dispatched.", outcome),
        };
    }

    private static IResult Problem(int status, string type, string title, DispatchOutcome outcome)
    {
        var extensions = new Dictionary<string, object?>
        {
            ["outcome"] = outcome.Kind.ToWire(),
        };
        if (outcome.UpstreamStatus is { } upstream)
        {
            extensions["upstreamStatus"] = upstream;
        }

        return Problems.Status(status, type, title, outcome.Message, extensions);
    }

}
