using AgentDispatch.Requests;
using Microsoft.AspNetCore.Http;

namespace AgentDispatch.Functions.Http;

/// <summary>RFC 7807 problem responses (<c>application/problem+json</c>); docs/http-api.md lists the types.</summary>
public static class Problems
{
    public const string TypePrefix = "urn:agentdispatch:problem:";

    public static IResult Validation(RequestErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return TypedResults.ValidationProblem(
            errors.ToDictionary(),
            detail: "One or more fields are invalid: " + errors,
            title: "The request is invalid.",
            type: TypePrefix + "validation");
    }

    public static IResult Status(int status, string type, string title, string detail, IDictionary<string, object?>? extensions = null)
        => TypedResults.Problem(detail, statusCode: status, title: title, type: TypePrefix + type, extensions: extensions);
}

/// <summary>Executes an inner result after setting one response header (<c>Retry-After</c>, <c>Location</c>).</summary>
public sealed class WithHeaderResult(IResult inner, string name, string value) : IResult
{
    public IResult Inner => inner;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.Headers[name] = value;
        return inner.ExecuteAsync(httpContext);
    }
}
