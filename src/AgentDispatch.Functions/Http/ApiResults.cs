using AgentDispatch.Jobs;
using AgentDispatch.Requests;
using Microsoft.AspNetCore.Http;

namespace AgentDispatch.Functions.Http;

/// <summary>Writes a Core <see cref="ApiAnswer"/> as the HTTP response: a job, a page of jobs, or a problem.</summary>
public static class ApiResults
{
    /// <param name="location">Sent as <c>Location</c> with a job answer (a created or found job's URL).</param>
    public static IResult From(ApiAnswer answer, string? location = null)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (answer.Problem is { } problem)
        {
            return Problem(answer.Status, problem);
        }

        if (answer.Page is { } page)
        {
            return TypedResults.Json(new JobList(page.Items.Select(JobView.From).ToList(), page.Next), FunctionsJsonContext.Default.JobList, statusCode: answer.Status);
        }

        var job = TypedResults.Json(JobView.From(answer.Job!), FunctionsJsonContext.Default.JobView, statusCode: answer.Status);
        return location is null ? job : new WithHeaderResult(job, "Location", location);
    }

    private static IResult Problem(int status, ApiProblem problem)
    {
        if (problem.Type == ApiProblem.ValidationType && problem.Errors is { } invalid)
        {
            return Problems.Validation(invalid);
        }

        var extensions = problem.Extensions?.ToDictionary() ?? [];
        if (problem.Errors is { } errors)
        {
            extensions["errors"] = errors.ToDictionary();
        }

        return Problems.Status(status, problem.Type, problem.Title, problem.Detail, extensions.Count > 0 ? extensions : null);
    }
}
