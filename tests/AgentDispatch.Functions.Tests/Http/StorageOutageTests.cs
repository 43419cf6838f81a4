using System.Globalization;
using System.Text.Json.Nodes;
using AgentDispatch.Functions.Dispatch;
using AgentDispatch.Functions.Health;
using AgentDispatch.Functions.Jobs;
using AgentDispatch.Functions.Sources;
using AgentDispatch.Functions.Status;
using AgentDispatch.Functions.Tests.Webhooks;
using AgentDispatch.Functions.Webhooks;
using AgentDispatch.Storage;
using AgentDispatch.Testing;
using AgentDispatch.Testing.Webhooks;
using AgentDispatch.VideoSdkEmulator;
using Microsoft.AspNetCore.Http;

namespace AgentDispatch.Functions.Tests.Http;

/// <summary>
/// Storage stops while the app runs: its own Azurite is stopped after a job was created, and then every
/// HTTP route is called. Each route that needs Storage answers the same way — 503 problem+json with
/// Retry-After, never the host's 500 — and the routes that do not need it go on answering.
/// </summary>
public sealed class StorageOutageTests : IAsyncLifetime
{
    private const string CalendlyKey = "calendly-key-for-outage-tests";
    private const string CalComSecret = "calcom-secret-for-outage-tests";
    private const string StandardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    // Its own Azurite, started (on 127.0.0.1, with --disableTelemetry, as every AzuriteProcess start) and stopped by this test.
    private readonly AzuriteFixture _azurite = new();
    private RunningEmulator _videoSdk = null!;
    private FunctionsTestHost _host = null!;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _videoSdk = await VideoSdkEmulatorApp.StartAsync(new EmulatorOptions());
        _host = new FunctionsTestHost(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = _azurite.ConnectionString,
            ["Jobs:LedgerTable"] = AzuriteFixture.UniqueName("ledger"),
            [QueueNames.WakeSetting] = AzuriteFixture.UniqueName("wake"),
            [QueueNames.RequestsSetting] = AzuriteFixture.UniqueName("requests"),
            ["VideoSdk:BaseUrl"] = _videoSdk.BaseAddress.AbsoluteUri,
            ["VideoSdk:AuthToken"] = "outage-token",
            ["Webhooks:Calendly:Secret"] = CalendlyKey,
            ["Webhooks:CalCom:Secret"] = CalComSecret,
            ["Webhooks:Standard:Secret"] = StandardSecret,
            ["Sources:DataKey"] = "outage-tests-sources-data-key-0123456789",
        });
    }

    public async Task DisposeAsync()
    {
        _host.Dispose();
        await _videoSdk.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    [Fact]
    public async Task AzuriteStopped_EveryStorageRoute_Is503ProblemWithRetryAfter_AndTheOthersStillAnswer()
    {
        var created = await Call(
            f => f.CreateDispatch, "POST", "/api/dispatches",
            $$"""{"meetingId":"outage-meeting","agentId":"MyAgent","dispatchAt":"{{DateTimeOffset.UtcNow.AddHours(1):o}}"}""");
        Assert.Equal(202, created.Status);
        var id = (string)JsonNode.Parse(created.Body)!["id"]!;

        await _azurite.DisposeAsync();

        var start = DateTimeOffset.UtcNow.AddHours(2);
        var routes = new Dictionary<string, Task<FunctionResponse>>
        {
            ["POST /api/dispatches"] = Call(f => f.CreateDispatch, "POST", "/api/dispatches", """{"meetingId":"outage-meeting","agentId":"OtherAgent"}"""),
            ["GET /api/dispatches"] = Call(f => f.ListDispatches, "GET", "/api/dispatches"),
            ["GET /api/dispatches/{id}"] = Call(f => (r, ct) => f.GetDispatch(r, id, ct), "GET", "/api/dispatches/" + id),
            ["DELETE /api/dispatches/{id}"] = Call(f => (r, ct) => f.CancelDispatch(r, id, ct), "DELETE", "/api/dispatches/" + id),
            ["PATCH /api/dispatches/{id}"] = Call(f => (r, ct) => f.RescheduleDispatch(r, id, ct), "PATCH", "/api/dispatches/" + id, $$"""{"dispatchAt":"{{start:o}}"}"""),
            ["GET /api/status"] = Run(_host.Create<StatusFunction>().Status, "GET", "/api/status", null, []),
            ["POST /api/calendars"] = Source(f => f.CreateCalendar, "POST", "/api/calendars", """{"name":"outage","url":"https://calendar.example.com/outage.ics"}"""),
            ["GET /api/calendars"] = Source(f => f.ListCalendars, "GET", "/api/calendars"),
            ["GET /api/calendars/{name}"] = Source(f => (r, ct) => f.GetCalendar(r, "outage", ct), "GET", "/api/calendars/outage"),
            ["PATCH /api/calendars/{name}"] = Source(f => (r, ct) => f.UpdateCalendar(r, "outage", ct), "PATCH", "/api/calendars/outage", """{"url":"https://calendar.example.com/other.ics"}"""),
            ["DELETE /api/calendars/{name}"] = Source(f => (r, ct) => f.DeleteCalendar(r, "outage", ct), "DELETE", "/api/calendars/outage"),
            ["POST /api/schedules"] = Source(f => f.CreateSchedule, "POST", "/api/schedules", """{"name":"outage","cron":"0 9 * * *","meetingId":"m","agentId":"a"}"""),
            ["GET /api/schedules"] = Source(f => f.ListSchedules, "GET", "/api/schedules"),
            ["GET /api/schedules/{name}"] = Source(f => (r, ct) => f.GetSchedule(r, "outage", ct), "GET", "/api/schedules/outage"),
            ["PATCH /api/schedules/{name}"] = Source(f => (r, ct) => f.UpdateSchedule(r, "outage", ct), "PATCH", "/api/schedules/outage", """{"cron":"0 10 * * *"}"""),
            ["DELETE /api/schedules/{name}"] = Source(f => (r, ct) => f.DeleteSchedule(r, "outage", ct), "DELETE", "/api/schedules/outage"),
            ["POST /api/rules"] = Source(f => f.CreateRule, "POST", "/api/rules", """{"name":"outage","agentId":"a"}"""),
            ["GET /api/rules"] = Source(f => f.ListRules, "GET", "/api/rules"),
            ["GET /api/rules/{name}"] = Source(f => (r, ct) => f.GetRule(r, "outage", ct), "GET", "/api/rules/outage"),
            ["PATCH /api/rules/{name}"] = Source(f => (r, ct) => f.UpdateRule(r, "outage", ct), "PATCH", "/api/rules/outage", """{"agentId":"b"}"""),
            ["DELETE /api/rules/{name}"] = Source(f => (r, ct) => f.DeleteRule(r, "outage", ct), "DELETE", "/api/rules/outage"),
            ["POST /api/webhooks/calendly"] = Webhook(
                f => f.CalendlyWebhook, WebhookPayloads.CalendlyCreated("OUT1", start, DateTimeOffset.UtcNow),
                body => SignedHeaders.Calendly(body, CalendlyKey)),
            ["POST /api/webhooks/calcom"] = Webhook(
                f => f.CalComWebhook, WebhookPayloads.CalCom("BOOKING_CREATED", "OUT2", start, DateTimeOffset.UtcNow),
                body => SignedHeaders.CalCom(body, CalComSecret)),
            ["POST /api/webhooks/standard"] = Webhook(
                f => f.StandardWebhook, WebhookPayloads.Standard("meeting.scheduled", "OUT3", start),
                body => SignedHeaders.Standard(body, "msg_OUT3", StandardSecret)),
        };
        await Task.WhenAll(routes.Values);

        Assert.All(routes, route =>
        {
            var response = route.Value.Result;
            Assert.True(response.Status == 503, $"{route.Key} answered {response.Status}: {response.Body}");
            Assert.Equal("application/problem+json", response.ContentType);
            var type = (string)JsonNode.Parse(response.Body)!["type"]!;
            Assert.EndsWith(route.Key.Contains("webhooks", StringComparison.Ordinal) ? ":webhook-storage-unavailable" : ":storage-unavailable", type, StringComparison.Ordinal);
            Assert.True(int.Parse(response.Headers["Retry-After"].ToString(), CultureInfo.InvariantCulture) > 0, $"{route.Key} sent no Retry-After");
        });

        var dispatched = await Direct();
        Assert.Equal(200, dispatched.Status);
        var health = _host.Create<HealthFunction>().Health(_host.Request(null, null, "GET"));
        Assert.Equal(200, (await FunctionsTestHost.ExecuteAsync(health, _host.Request(null, null, "GET"))).Status);
    }

    private Task<FunctionResponse> Call(
        Func<DispatchesFunctions, Func<HttpRequest, CancellationToken, Task<IResult>>> function, string method, string path, string? body = null)
        => Run(function(_host.Create<DispatchesFunctions>()), method, path, body, new Dictionary<string, string>());

    private Task<FunctionResponse> Source(
        Func<SourcesFunctions, Func<HttpRequest, CancellationToken, Task<IResult>>> function, string method, string path, string? body = null)
        => Run(function(_host.Create<SourcesFunctions>()), method, path, body, new Dictionary<string, string>());

    private Task<FunctionResponse> Webhook(
        Func<WebhookFunctions, Func<HttpRequest, CancellationToken, Task<IResult>>> function, byte[] body, Func<byte[], Dictionary<string, string>> sign)
        => Run(function(_host.Create<WebhookFunctions>()), "POST", "/api/webhooks", System.Text.Encoding.UTF8.GetString(body), sign(body));

    private async Task<FunctionResponse> Direct()
    {
        var request = _host.Request("""{"meetingId":"outage-meeting","agentId":"MyAgent"}""");
        return await FunctionsTestHost.ExecuteAsync(await _host.Create<DispatchFunction>().Dispatch(request, CancellationToken.None), request);
    }

    private async Task<FunctionResponse> Run(
        Func<HttpRequest, CancellationToken, Task<IResult>> function, string method, string path, string? body, Dictionary<string, string> headers)
    {
        var request = _host.Request(body, body is null ? null : "application/json", method);
        request.Path = path;
        foreach (var (name, value) in headers)
        {
            request.Headers[name] = value;
        }

        return await FunctionsTestHost.ExecuteAsync(await function(request, CancellationToken.None), request);
    }
}
