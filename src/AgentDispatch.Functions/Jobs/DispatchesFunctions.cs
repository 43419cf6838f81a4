using AgentDispatch.Functions.Http;
using AgentDispatch.Jobs;
using AgentDispatch.Requests;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.Functions.Jobs;

/// <summary>
/// <c>/api/dispatches</c>: dispatch jobs over HTTP. Create (now or later), read, list, cancel and
/// reschedule; every rule lives in <see cref="DispatchJobService"/>.
/// </summary>
public sealed class DispatchesFunctions(DispatchJobService jobs)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 100;

    [Function(nameof(CreateDispatch))]
    public async Task<IResult> CreateDispatch(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "dispatches")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var read = await RequestBody.ReadJsonAsync(request, DispatchRequestParser.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (read.Problem is { } problem)
        {
            return problem;
        }

        var parsed = DispatchJobRequestParser.Parse(read.Body);
        var errors = parsed.Errors ?? new RequestErrors();
        var headerKey = IdempotencyKeyHeader(request, errors);
        if (parsed.Value is not { } jobRequest || errors.Any)
        {
            return Problems.Validation(errors);
        }

        if (headerKey is not null)
        {
            if (jobRequest.IdempotencyKey is { } bodyKey && bodyKey != headerKey)
            {
                errors.Add("Idempotency-Key", "differs from idempotencyKey in the body; send one, or the same in both.");
                return Problems.Validation(errors);
            }

            jobRequest = jobRequest with { IdempotencyKey = headerKey };
        }

        var result = await jobs.SubmitAsync(jobRequest, JobSources.Http, cancellationToken).ConfigureAwait(false);
        if (result.Status == SubmitStatus.Rejected)
        {
            return result.Job is null
                ? Unprocessable(result.Errors!)
                : Problems.Status(
                    StatusCodes.Status422UnprocessableEntity, "idempotency-key-reused", "The idempotency key belongs to a different request.",
                    "This Idempotency-Key was already used for a different meeting, agent or version; use a new key for a new request.");
        }

        var location = $"{request.Path.Value!.TrimEnd('/')}/{result.Job!.Id}";
        var body = TypedResults.Json(JobView.From(result.Job), FunctionsJsonContext.Default.JobView, statusCode: result.Status switch
        {
            SubmitStatus.Duplicate => StatusCodes.Status200OK,
            _ when result.DispatchedNow => StatusCodes.Status201Created,
            _ => StatusCodes.Status202Accepted,
        });
        return new WithHeaderResult(body, "Location", location);
    }

    [Function(nameof(GetDispatch))]
    public async Task<IResult> GetDispatch(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "dispatches/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        var job = await jobs.GetAsync(id, cancellationToken).ConfigureAwait(false);
        return job is null ? NotFound() : Job(job);
    }

    [Function(nameof(ListDispatches))]
    public async Task<IResult> ListDispatches(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "dispatches")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new RequestErrors();
        var query = request.Query;
        foreach (var name in query.Keys.Where(k => k is not ("meetingId" or "state" or "limit" or "cursor" or "code")))
        {
            JsonFields.RejectUnknown(name, ["meetingId", "state", "limit", "cursor"], errors);
        }

        var meetingId = Single(query, "meetingId", errors) is { } m ? JsonFields.CheckId(m, "meetingId", errors) : null;
        JobState? state = null;
        if (Single(query, "state", errors) is { } s)
        {
            if (JobView.TryParseState(s, out var parsed))
            {
                state = parsed;
            }
            else
            {
                errors.Add("state", "must be one of scheduled, dispatching, assigned, failed, cancelled, expired.");
            }
        }

        var limit = DefaultPageSize;
        if (Single(query, "limit", errors) is { } l && (!int.TryParse(l, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxPageSize))
        {
            errors.Add("limit", $"must be a whole number from 1 to {MaxPageSize}.");
        }

        var cursor = Single(query, "cursor", errors);
        if (!DispatchLedger.IsWellFormedCursor(cursor))
        {
            errors.Add("cursor", "is not a cursor this API gave out.");
        }

        if (errors.Any)
        {
            return Problems.Validation(errors);
        }

        try
        {
            var page = await jobs.ListAsync(meetingId, state, limit, cursor, cancellationToken).ConfigureAwait(false);
            return TypedResults.Json(new JobList(page.Items.Select(JobView.From).ToList(), page.Next), FunctionsJsonContext.Default.JobList);
        }
        catch (ArgumentException)
        {
            errors.Add("cursor", "is not a cursor this API gave out.");
            return Problems.Validation(errors);
        }
    }

    [Function(nameof(CancelDispatch))]
    public async Task<IResult> CancelDispatch(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "dispatches/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
        => Changed(await jobs.CancelAsync(id, cancellationToken).ConfigureAwait(false), "cancelled");

    [Function(nameof(RescheduleDispatch))]
    public async Task<IResult> RescheduleDispatch(
        [HttpTrigger(AuthorizationLevel.Function, "patch", Route = "dispatches/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!JobIds.IsWellFormed(id))
        {
            return NotFound();
        }

        var read = await RequestBody.ReadJsonAsync(request, 4 * 1024, cancellationToken).ConfigureAwait(false);
        if (read.Problem is { } problem)
        {
            return problem;
        }

        var parsed = RescheduleRequestParser.Parse(read.Body);
        if (parsed.Value is not { } reschedule)
        {
            return Problems.Validation(parsed.Errors!);
        }

        return Changed(await jobs.RescheduleAsync(id, reschedule.DispatchAt, reschedule.NotAfter, cancellationToken).ConfigureAwait(false), "rescheduled");
    }

    private static IResult Changed(ChangeResult result, string verb) => result.Status switch
    {
        ChangeStatus.Changed => Job(result.Job!),
        ChangeStatus.NotFound => NotFound(),
        ChangeStatus.Rejected => Unprocessable(result.Errors!),
        _ => Problems.Status(
            StatusCodes.Status409Conflict, "job-state", $"The job cannot be {verb}.",
            $"The job is {JobView.Wire(result.Job!.State)}: only a scheduled job can be {verb}.",
            new Dictionary<string, object?> { ["state"] = JobView.Wire(result.Job.State) }),
    };

    private static IResult Job(DispatchJob job) => TypedResults.Json(JobView.From(job), FunctionsJsonContext.Default.JobView);

    private static IResult NotFound() => Problems.Status(StatusCodes.Status404NotFound, "not-found", "No such dispatch.", "No dispatch job has this id.");

    private static IResult Unprocessable(RequestErrors errors) => TypedResults.Problem(
        "The request is well-formed but cannot be carried out: " + errors,
        statusCode: StatusCodes.Status422UnprocessableEntity,
        title: "The dispatch window does not allow this.",
        type: Problems.TypePrefix + "window",
        extensions: new Dictionary<string, object?> { ["errors"] = errors.ToDictionary() });

    private static string? IdempotencyKeyHeader(HttpRequest request, RequestErrors errors)
    {
        var values = request.Headers["Idempotency-Key"];
        if (values.Count == 0)
        {
            return null;
        }

        if (values.Count > 1)
        {
            errors.Add("Idempotency-Key", "must be sent once.");
            return null;
        }

        return JsonFields.CheckId(values[0] ?? string.Empty, "Idempotency-Key", errors);
    }

    private static string? Single(IQueryCollection query, string name, RequestErrors errors)
    {
        var values = query[name];
        if (values.Count > 1)
        {
            errors.Add(name, "must be given once.");
            return null;
        }

        return values.Count == 1 ? values[0] : null;
    }
}
