using AgentDispatch.Functions.Http;
using AgentDispatch.Status;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.Functions.Status;

/// <summary>
/// <c>GET /api/status</c>: the status page, one HTML document that refreshes itself. Behind the function
/// key in Azure (open on loopback in the dev host without <c>DevHost:FunctionKey</c>); what it gathers and
/// how it is drawn live in <see cref="StatusReader"/> and <see cref="StatusPage"/>.
/// </summary>
public sealed class StatusFunction(StatusReader status)
{
    /// <summary>A page load reads a bounded amount; past this it is answered 503 like any Storage outage.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Function(nameof(Status))]
    public Task<IResult> Status(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "status")] HttpRequest request,
        CancellationToken cancellationToken)
        => StorageOutage.GuardAsync(
            async ct => new StatusPageResult(StatusPage.Render(await status.ReadAsync(ct).ConfigureAwait(false))),
            cancellationToken,
            Deadline);
}

/// <summary>The page with the headers that keep it self-contained and keep the function key in its URL to itself.</summary>
public sealed class StatusPageResult(string html) : IResult
{
    public string Html => html;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.ContentSecurityPolicy = StatusPage.ContentSecurityPolicy;
        response.Headers.CacheControl = "no-store";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XContentTypeOptions = "nosniff";
        await response.WriteAsync(html, httpContext.RequestAborted).ConfigureAwait(false);
    }
}
