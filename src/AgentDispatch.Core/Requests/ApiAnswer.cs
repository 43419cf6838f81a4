using AgentDispatch.Jobs;

namespace AgentDispatch.Requests;

/// <summary>
/// A problem as the HTTP API answers it (RFC 7807): its type (the part after the problem-type prefix),
/// title and detail, and the fields at fault when there are any.
/// </summary>
public sealed record ApiProblem(string Type, string Title, string Detail)
{
    public const string ValidationType = "validation";

    public RequestErrors? Errors { get; init; }

    public IReadOnlyDictionary<string, object?>? Extensions { get; init; }

    public static ApiProblem Validation(RequestErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return new ApiProblem(ValidationType, "The request is invalid.", "One or more fields are invalid: " + errors) { Errors = errors };
    }
}

/// <summary>
/// What an API request is answered with, independent of the host that carries it: a status and a job,
/// a page of jobs, or a problem. The Functions adapters turn it into an HTTP response.
/// </summary>
public sealed record ApiAnswer(int Status, DispatchJob? Job = null, JobPage? Page = null, ApiProblem? Problem = null)
{
    public static ApiAnswer Of(DispatchJob job, int status = 200) => new(status, Job: job);

    public static ApiAnswer Failed(int status, ApiProblem problem) => new(status, Problem: problem);

    public static ApiAnswer Invalid(RequestErrors errors) => Failed(400, ApiProblem.Validation(errors));
}
