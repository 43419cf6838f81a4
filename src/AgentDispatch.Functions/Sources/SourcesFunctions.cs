using System.Text;
using AgentDispatch.Functions.Http;
using AgentDispatch.Requests;
using AgentDispatch.Sources;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.Functions.Sources;

/// <summary>
/// <c>/api/calendars</c>, <c>/api/schedules</c> and <c>/api/rules</c>: the sources managed at runtime.
/// Each function reads the request and writes the answer; the rules live in <see cref="SourcesApi"/>.
/// </summary>
public sealed class SourcesFunctions(SourcesApi api)
{
    [Function(nameof(CreateCalendar))]
    public Task<IResult> CreateCalendar([HttpTrigger(AuthorizationLevel.Function, "post", Route = "calendars")] HttpRequest request, CancellationToken cancellationToken)
        => CreateAsync(SourceKind.Calendar, request, cancellationToken);

    [Function(nameof(ListCalendars))]
    public Task<IResult> ListCalendars([HttpTrigger(AuthorizationLevel.Function, "get", Route = "calendars")] HttpRequest request, CancellationToken cancellationToken)
        => Guard(ct => api.ListAsync(SourceKind.Calendar, ct), request, cancellationToken);

    [Function(nameof(GetCalendar))]
    public Task<IResult> GetCalendar([HttpTrigger(AuthorizationLevel.Function, "get", Route = "calendars/{name}")] HttpRequest request, string name, CancellationToken cancellationToken)
        => Guard(ct => api.GetAsync(SourceKind.Calendar, name, ct), request, cancellationToken);

    [Function(nameof(UpdateCalendar))]
    public Task<IResult> UpdateCalendar([HttpTrigger(AuthorizationLevel.Function, "patch", Route = "calendars/{name}")] HttpRequest request, string name, CancellationToken cancellationToken)
        => PatchAsync(SourceKind.Calendar, request, name, cancellationToken);

    [Function(nameof(DeleteCalendar))]
    public Task<IResult> DeleteCalendar([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "calendars/{name}")] HttpRequest request, string name, CancellationToken cancellationToken)
        => Guard(ct => api.DeleteAsync(SourceKind.Calendar, name, IfMatch(request), ct), request, cancellationToken);

    [Function(nameof(CreateSchedule))]
    public Task<IResult> CreateSchedule([HttpTrigger(AuthorizationLevel.Function, "post", Route = "schedules")] HttpRequest request, CancellationToken cancellationToken)
        => CreateAsync(SourceKind.Schedule, request, cancellationToken);

    [Function(nameof(ListSchedules))]
    public Task<IResult> ListSchedules([HttpTrigger(AuthorizationLevel.Function, "get", Route = "schedules")] HttpRequest request, CancellationToken cancellationToken)
        => Guard(ct => api.ListAsync(SourceKind.Schedule, ct), request, cancellationToken);

    [Function(nameof(GetSchedule))]
    public Task<IResult> GetSchedule([HttpTrigger(AuthorizationLevel.Function, "get", Route = "schedules/{name}")] HttpRequest request, string name, CancellationToken cancellationToken)
        => Guard(ct => api.GetAsync(SourceKind.Schedule, name, ct), request, cancellationToken);

    [Function(nameof(UpdateSchedule))]
    public Task<IResult> UpdateSchedule([HttpTrigger(AuthorizationLevel.Function, "patch", Route = "schedules/{name}")] HttpRequest request, string name, CancellationToken cancellationToken)
        => PatchAsync(SourceKind.Schedule, request, name, cancellationToken);

    [Function(nameof(DeleteSchedule))]
    public Task<IResult> DeleteSchedule([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "schedules/{name}")] HttpRequest request, string name, CancellationToken cancellationToken)
        => Guard(ct => api.DeleteAsync(SourceKind.Schedule, name, IfMatch(request), ct), request, cancellationToken);

    [Function(nameof(CreateRule))]
    public Task<IResult> CreateRule([HttpTrigger(AuthorizationLevel.Function, "post", Route = "rules")] HttpRequest request, CancellationToken cancellationToken)
        => CreateAsync(SourceKind.Rule, request, cancellationToken);

    [Function(nameof(ListRules))]
    public Task<IResult> ListRules([HttpTrigger(AuthorizationLevel.Function, "get", Route = "rules")] HttpRequest request, CancellationToken cancellationToken)
        => Guard(ct => api.ListAsync(SourceKind.Rule, ct), request, cancellationToken);

    [Function(nameof(GetRule))]
    public Task<IResult> GetRule([HttpTrigger(AuthorizationLevel.Function, "get", Route = "rules/{name}")] HttpRequest request, string name, CancellationToken cancellationToken)
        => Guard(ct => api.GetAsync(SourceKind.Rule, name, ct), request, cancellationToken);

    [Function(nameof(UpdateRule))]
    public Task<IResult> UpdateRule([HttpTrigger(AuthorizationLevel.Function, "patch", Route = "rules/{name}")] HttpRequest request, string name, CancellationToken cancellationToken)
        => PatchAsync(SourceKind.Rule, request, name, cancellationToken);

    [Function(nameof(DeleteRule))]
    public Task<IResult> DeleteRule([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "rules/{name}")] HttpRequest request, string name, CancellationToken cancellationToken)
        => Guard(ct => api.DeleteAsync(SourceKind.Rule, name, IfMatch(request), ct), request, cancellationToken);

    private Task<IResult> CreateAsync(SourceKind kind, HttpRequest request, CancellationToken cancellationToken)
        => StorageOutage.GuardAsync(async ct =>
        {
            var read = await RequestBody.ReadJsonAsync(request, SourcesApi.MaxBodyBytes, ct).ConfigureAwait(false);
            return read.Problem ?? Result(await api.CreateAsync(kind, read.Body, ct).ConfigureAwait(false), request);
        }, cancellationToken);

    private Task<IResult> PatchAsync(SourceKind kind, HttpRequest request, string name, CancellationToken cancellationToken)
        => StorageOutage.GuardAsync(async ct =>
        {
            var read = await RequestBody.ReadJsonAsync(request, SourcesApi.MaxBodyBytes, ct).ConfigureAwait(false);
            return read.Problem ?? Result(await api.PatchAsync(kind, name, read.Body, IfMatch(request), ct).ConfigureAwait(false), request);
        }, cancellationToken);

    private static Task<IResult> Guard(Func<CancellationToken, Task<SourceAnswer>> handle, HttpRequest request, CancellationToken cancellationToken)
        => StorageOutage.GuardAsync(async ct => Result(await handle(ct).ConfigureAwait(false), request), cancellationToken);

    /// <summary><c>If-Match</c>, optional: absent, any ETag goes.</summary>
    private static string? IfMatch(HttpRequest request) => request.Headers.IfMatch.ToString() is { Length: > 0 } value ? value : null;

    /// <summary>The answer as HTTP: a problem, 204, or the JSON with its <c>ETag</c> (and <c>Location</c> for a created source).</summary>
    private static IResult Result(SourceAnswer answer, HttpRequest request)
    {
        if (answer.Problem is { } problem)
        {
            return ApiResults.From(ApiAnswer.Failed(answer.Status, problem));
        }

        if (answer.Json is null)
        {
            return TypedResults.StatusCode(answer.Status);
        }

        IResult result = TypedResults.Text(answer.Json, "application/json", Encoding.UTF8, answer.Status);
        if (answer.ETag is { Length: > 0 } etag)
        {
            result = new WithHeaderResult(result, "ETag", etag);
        }

        if (answer.Status == StatusCodes.Status201Created && answer.Name is { } name)
        {
            result = new WithHeaderResult(result, "Location", $"{request.Path.Value!.TrimEnd('/')}/{Uri.EscapeDataString(name)}");
        }

        return result;
    }
}
