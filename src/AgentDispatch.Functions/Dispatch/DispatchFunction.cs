using AgentDispatch.Dispatch;
using AgentDispatch.Functions.Http;
using AgentDispatch.Requests;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.Functions.Dispatch;

/// <summary><c>POST /api/dispatch</c>: VideoSDK's own dispatch request, checked, sent once, and its outcome mapped.</summary>
public sealed class DispatchFunction(IVideoSdkClient videoSdk)
{
    [Function(nameof(Dispatch))]
    public async Task<IResult> Dispatch(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "dispatch")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var read = await RequestBody.ReadJsonAsync(request, DispatchRequestParser.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (read.Problem is { } problem)
        {
            return problem;
        }

        var parsed = DispatchRequestParser.Parse(read.Body);
        if (parsed.Value is not { } dispatch)
        {
            return Problems.Validation(parsed.Errors!);
        }

        var outcome = await videoSdk.DispatchAsync(dispatch, cancellationToken).ConfigureAwait(false);
        return DispatchResults.From(outcome);
    }
}
