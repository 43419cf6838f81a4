using AgentDispatch.Functions.Http;
using AgentDispatch.Requests;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.Functions.Jobs;

/// <summary>
/// <c>/api/dispatches</c>: dispatch jobs over HTTP. Create (now or later), read, list, cancel and
/// reschedule. Each function reads the request and writes the answer; the rules live in <see cref="JobsApi"/>.
/// </summary>
public sealed class DispatchesFunctions(JobsApi api)
{
    [Function(nameof(CreateDispatch))]
    public Task<IResult> CreateDispatch(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "dispatches")] HttpRequest request,
        CancellationToken cancellationToken)
        => StorageOutage.GuardAsync(async ct =>
        {
            var read = await RequestBody.ReadJsonAsync(request, DispatchRequestParser.MaxBodyBytes, ct).ConfigureAwait(false);
            if (read.Problem is { } problem)
            {
                return problem;
            }

            var answer = await api.CreateAsync(read.Body, request.Headers[JobsApi.IdempotencyKeyHeader], ct).ConfigureAwait(false);
            return ApiResults.From(answer, answer.Job is { } job ? $"{request.Path.Value!.TrimEnd('/')}/{job.Id}" : null);
        }, cancellationToken);

    [Function(nameof(GetDispatch))]
    public Task<IResult> GetDispatch(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "dispatches/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
        => StorageOutage.GuardAsync(async ct => ApiResults.From(await api.GetAsync(id, ct).ConfigureAwait(false)), cancellationToken);

    [Function(nameof(ListDispatches))]
    public Task<IResult> ListDispatches(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "dispatches")] HttpRequest request,
        CancellationToken cancellationToken)
        => StorageOutage.GuardAsync(async ct => ApiResults.From(await api.ListAsync(request.Query, ct).ConfigureAwait(false)), cancellationToken);

    [Function(nameof(CancelDispatch))]
    public Task<IResult> CancelDispatch(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "dispatches/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
        => StorageOutage.GuardAsync(async ct => ApiResults.From(await api.CancelAsync(id, ct).ConfigureAwait(false)), cancellationToken);

    [Function(nameof(RescheduleDispatch))]
    public Task<IResult> RescheduleDispatch(
        [HttpTrigger(AuthorizationLevel.Function, "patch", Route = "dispatches/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
        => StorageOutage.GuardAsync(async ct =>
        {
            if (JobsApi.RejectId(id) is { } notFound)
            {
                return ApiResults.From(notFound);
            }

            var read = await RequestBody.ReadJsonAsync(request, JobsApi.MaxRescheduleBytes, ct).ConfigureAwait(false);
            return read.Problem ?? ApiResults.From(await api.RescheduleAsync(id, read.Body, ct).ConfigureAwait(false));
        }, cancellationToken);
}
