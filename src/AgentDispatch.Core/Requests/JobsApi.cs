using AgentDispatch.Jobs;
using Microsoft.Extensions.Primitives;

namespace AgentDispatch.Requests;

/// <summary>
/// The <c>/api/dispatches</c> routes as the product defines them: what each request may carry, which
/// service call it becomes, and what it is answered. Transport-neutral, so the Functions host, the dev
/// host and the tests reach the same rules; the function classes only read the request and write the answer.
/// </summary>
public sealed class JobsApi(DispatchJobService jobs)
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>A reschedule body holds two timestamps: anything longer is not one.</summary>
    public const int MaxRescheduleBytes = 4 * 1024;

    public static ApiAnswer NotFound { get; } = ApiAnswer.Failed(404, new ApiProblem("not-found", "No such dispatch.", "No dispatch job has this id."));

    /// <summary>
    /// <c>POST /api/dispatches</c>. The idempotency key may come in the <c>Idempotency-Key</c> header or
    /// the body, or both when they agree. Answered 201 when dispatched at once, 202 when scheduled, and
    /// 200 with the existing job when the key was seen before.
    /// </summary>
    public async Task<ApiAnswer> CreateAsync(ReadOnlyMemory<byte> body, StringValues idempotencyKey, CancellationToken cancellationToken)
    {
        var parsed = DispatchJobRequestParser.Parse(body);
        var errors = parsed.Errors ?? new RequestErrors();
        var headerKey = HeaderKey(idempotencyKey, errors);
        if (parsed.Value is not { } request || errors.Any)
        {
            return ApiAnswer.Invalid(errors);
        }

        if (headerKey is not null)
        {
            if (request.IdempotencyKey is { } bodyKey && bodyKey != headerKey)
            {
                errors.Add(IdempotencyKeyHeader, "differs from idempotencyKey in the body; send one, or the same in both.");
                return ApiAnswer.Invalid(errors);
            }

            request = request with { IdempotencyKey = headerKey };
        }

        var result = await jobs.SubmitAsync(request, JobSources.Http, cancellationToken).ConfigureAwait(false);
        return result.Status switch
        {
            SubmitStatus.Invalid => ApiAnswer.Invalid(result.Errors!),
            SubmitStatus.Rejected when result.Job is null => Unprocessable(result.Errors!),
            SubmitStatus.Rejected => ApiAnswer.Failed(422, new ApiProblem(
                "idempotency-key-reused", "The idempotency key belongs to a different request.",
                "This Idempotency-Key was already used for a different meeting, agent or version; use a new key for a new request.")),
            SubmitStatus.Duplicate => ApiAnswer.Of(result.Job!, 200),
            _ => ApiAnswer.Of(result.Job!, result.DispatchedNow ? 201 : 202),
        };
    }

    /// <summary><c>GET /api/dispatches/{id}</c>.</summary>
    public async Task<ApiAnswer> GetAsync(string id, CancellationToken cancellationToken)
        => await jobs.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } job ? ApiAnswer.Of(job) : NotFound;

    /// <summary><c>GET /api/dispatches?meetingId=&amp;state=&amp;from=&amp;to=&amp;limit=&amp;cursor=</c>: a page of jobs and the cursor of the next.</summary>
    public async Task<ApiAnswer> ListAsync(IEnumerable<KeyValuePair<string, StringValues>> query, CancellationToken cancellationToken)
    {
        var parsed = JobListQuery.Parse(query);
        if (parsed.Value is not { } q)
        {
            return ApiAnswer.Invalid(parsed.Errors!);
        }

        if (await jobs.ListAsync(q.Filter, q.Limit, q.Cursor, cancellationToken).ConfigureAwait(false) is { } page)
        {
            return new ApiAnswer(200, Page: page);
        }

        var errors = new RequestErrors();
        errors.Add("cursor", "is not a cursor this API gave out.");
        return ApiAnswer.Invalid(errors);
    }

    /// <summary><c>DELETE /api/dispatches/{id}</c>: only a scheduled job can be cancelled; a cancelled one stays so.</summary>
    public async Task<ApiAnswer> CancelAsync(string id, CancellationToken cancellationToken)
        => Changed(await jobs.CancelAsync(id, cancellationToken).ConfigureAwait(false), "cancelled");

    /// <summary>Not found for an id no job can have, before anything else of the request is read.</summary>
    public static ApiAnswer? RejectId(string id) => JobIds.IsWellFormed(id) ? null : NotFound;

    /// <summary><c>PATCH /api/dispatches/{id}</c> with <c>{"dispatchAt", "notAfter"}</c>: only a scheduled job can move.</summary>
    public async Task<ApiAnswer> RescheduleAsync(string id, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (RejectId(id) is { } notFound)
        {
            return notFound;
        }

        var parsed = RescheduleRequestParser.Parse(body);
        if (parsed.Value is not { } reschedule)
        {
            return ApiAnswer.Invalid(parsed.Errors!);
        }

        return Changed(await jobs.RescheduleAsync(id, reschedule.DispatchAt, reschedule.NotAfter, cancellationToken).ConfigureAwait(false), "rescheduled");
    }

    private static ApiAnswer Changed(ChangeResult result, string verb) => result.Status switch
    {
        ChangeStatus.Changed => ApiAnswer.Of(result.Job!),
        ChangeStatus.NotFound => NotFound,
        ChangeStatus.Rejected => Unprocessable(result.Errors!),
        _ => ApiAnswer.Failed(409, new ApiProblem(
            "job-state", $"The job cannot be {verb}.", $"The job is {JobStates.Wire(result.Job!.State)}: only a scheduled job can be {verb}.")
        {
            Extensions = new Dictionary<string, object?> { ["state"] = JobStates.Wire(result.Job.State) },
        }),
    };

    private static ApiAnswer Unprocessable(RequestErrors errors) => ApiAnswer.Failed(422, new ApiProblem(
        "window", "The dispatch window does not allow this.", "The request is well-formed but cannot be carried out: " + errors)
    {
        Errors = errors,
    });

    private static string? HeaderKey(StringValues values, RequestErrors errors)
    {
        if (values.Count == 0)
        {
            return null;
        }

        if (values.Count > 1)
        {
            errors.Add(IdempotencyKeyHeader, "must be sent once.");
            return null;
        }

        return JsonFields.CheckId(values[0] ?? string.Empty, IdempotencyKeyHeader, errors);
    }
}
