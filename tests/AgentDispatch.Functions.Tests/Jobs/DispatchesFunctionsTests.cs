using System.Text.Json.Nodes;
using AgentDispatch.Functions.Jobs;
using AgentDispatch.Storage;
using AgentDispatch.Testing;
using AgentDispatch.VideoSdkEmulator;
using Microsoft.AspNetCore.Http;

namespace AgentDispatch.Functions.Tests.Jobs;

/// <summary><c>/api/dispatches</c> through the app's real container, with Azurite and the VideoSDK emulator.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DispatchesFunctionsTests(AzuriteCollectionFixture azurite) : IAsyncLifetime
{
    private RunningEmulator _videoSdk = null!;
    private FunctionsTestHost _host = null!;

    public async Task InitializeAsync()
    {
        _videoSdk = await VideoSdkEmulatorApp.StartAsync(new EmulatorOptions());
        _host = new FunctionsTestHost(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.Fixture.ConnectionString,
            ["Jobs:LedgerTable"] = AzuriteFixture.UniqueName("ledger"),
            [QueueNames.WakeSetting] = AzuriteFixture.UniqueName("wake"),
            [QueueNames.RequestsSetting] = AzuriteFixture.UniqueName("requests"),
            ["VideoSdk:BaseUrl"] = _videoSdk.BaseAddress.AbsoluteUri,
            ["VideoSdk:AuthToken"] = "jobs-api-token",
        });
    }

    public async Task DisposeAsync()
    {
        _host.Dispose();
        await _videoSdk.DisposeAsync();
    }

    private async Task<FunctionResponse> Create(string body, string? idempotencyKey = null)
    {
        var request = _host.Request(body);
        request.Path = "/api/dispatches";
        if (idempotencyKey is not null)
        {
            request.Headers["Idempotency-Key"] = idempotencyKey;
        }

        return await FunctionsTestHost.ExecuteAsync(await _host.Create<DispatchesFunctions>().CreateDispatch(request, CancellationToken.None), request);
    }

    private async Task<FunctionResponse> Invoke(Func<DispatchesFunctions, HttpRequest, Task<IResult>> call, string method, string? body = null, string? query = null)
    {
        var request = _host.Request(body, body is null ? null : "application/json", method);
        if (query is not null)
        {
            request.QueryString = new QueryString(query);
        }

        return await FunctionsTestHost.ExecuteAsync(await call(_host.Create<DispatchesFunctions>(), request), request);
    }

    private static JsonNode Json(FunctionResponse response) => JsonNode.Parse(response.Body)!;

    [Fact]
    public async Task Create_DueNow_Is201WithTheAssignedJobAndItsLocation()
    {
        var response = await Create("""{"meetingId":"abcd-efgh-ijkl","agentId":"MyAgent","correlationId":"c-1"}""");

        Assert.Equal(201, response.Status);
        var job = Json(response);
        Assert.Equal("assigned", (string)job["state"]!);
        Assert.Equal("assigned", (string)job["lastOutcome"]!);
        Assert.Equal(1, (int)job["attempts"]!);
        Assert.Equal("http", (string)job["source"]!);
        Assert.Equal("c-1", (string)job["correlationId"]!);
        Assert.Equal($"/api/dispatches/{(string)job["id"]!}", response.Headers.Location.ToString());
        Assert.Single(_videoSdk.State.Dispatches);
    }

    [Fact]
    public async Task Create_Later_Is202Scheduled()
    {
        var at = DateTimeOffset.UtcNow.AddHours(1).ToString("O");

        var response = await Create($$"""{"meetingId":"m-1","agentId":"a","dispatchAt":"{{at}}"}""");

        Assert.Equal(202, response.Status);
        Assert.Equal("scheduled", (string)Json(response)["state"]!);
        Assert.NotNull(response.Headers.Location.ToString());
        Assert.Empty(_videoSdk.State.Dispatches);
    }

    [Fact]
    public async Task Create_SameIdempotencyKeyHeader_Is200WithTheSameJobAndOneDispatch()
    {
        var first = await Create("""{"meetingId":"m-2","agentId":"a"}""", "req-7");
        var second = await Create("""{"meetingId":"m-2","agentId":"a"}""", "req-7");

        Assert.Equal(201, first.Status);
        Assert.Equal(200, second.Status);
        Assert.Equal((string)Json(first)["id"]!, (string)Json(second)["id"]!);
        Assert.Equal("req-7", (string)Json(second)["idempotencyKey"]!);
        Assert.Single(_videoSdk.State.Dispatches);
    }

    [Fact]
    public async Task Create_HeaderAndBodyKeysDiffer_Is400()
    {
        var response = await Create("""{"meetingId":"m","agentId":"a","idempotencyKey":"one"}""", "two");

        Assert.Equal(400, response.Status);
        Assert.NotNull(Json(response)["errors"]!["Idempotency-Key"]);
    }

    [Theory]
    [InlineData("""{"meetingId":"m","agentId":"a","dispatchAt":"2026-12-01T09:00:00"}""", "dispatchAt")]
    [InlineData("""{"meetingId":"m","agentId":"a","dispatchAt":"tomorrow"}""", "dispatchAt")]
    [InlineData("""{"meetingId":"m","agentId":"a","dispatchAt":"2030-01-01T10:00:00Z","notAfter":"2030-01-01T09:00:00Z"}""", "notAfter")]
    [InlineData("""{"meetingId":"m","agentId":"a","priority":1}""", "priority")]
    public async Task Create_InvalidFields_Is400NamingThem(string body, string field)
    {
        var response = await Create(body);

        Assert.Equal(400, response.Status);
        Assert.NotNull(Json(response)["errors"]![field]);
        Assert.Empty(_videoSdk.State.Dispatches);
    }

    [Fact]
    public async Task Create_WindowAlreadyClosed_Is422()
    {
        var response = await Create("""{"meetingId":"m","agentId":"a","dispatchAt":"2020-01-01T09:00:00Z"}""");

        Assert.Equal(422, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.NotNull(Json(response)["errors"]!["dispatchAt"]);
    }

    [Fact]
    public async Task Get_KnownUnknownAndMalformedIds()
    {
        var created = Json(await Create("""{"meetingId":"m-3","agentId":"a"}"""));
        var id = (string)created["id"]!;

        var found = await Invoke((f, r) => f.GetDispatch(r, id, CancellationToken.None), "GET");
        var unknown = await Invoke((f, r) => f.GetDispatch(r, "AAAAAAAAAAAAAAAAAAAAAA", CancellationToken.None), "GET");
        var traversal = await Invoke((f, r) => f.GetDispatch(r, "../../secrets", CancellationToken.None), "GET");

        Assert.Equal(200, found.Status);
        Assert.Equal(id, (string)Json(found)["id"]!);
        Assert.Equal(404, unknown.Status);
        Assert.Equal(404, traversal.Status);
        Assert.Equal("application/problem+json", traversal.ContentType);
    }

    [Fact]
    public async Task List_ByMeetingAndState_PagesWithACursor()
    {
        var at = DateTimeOffset.UtcNow.AddHours(1);
        for (var i = 0; i < 3; i++)
        {
            await Create($$"""{"meetingId":"list-meeting","agentId":"a","dispatchAt":"{{at.AddMinutes(i):O}}"}""");
        }

        var first = Json(await Invoke((f, r) => f.ListDispatches(r, CancellationToken.None), "GET", query: "?meetingId=list-meeting&state=scheduled&limit=2"));
        var cursor = (string?)first["next"];
        var second = Json(await Invoke((f, r) => f.ListDispatches(r, CancellationToken.None), "GET", query: $"?meetingId=list-meeting&state=scheduled&limit=2&cursor={cursor}"));

        Assert.Equal(2, first["items"]!.AsArray().Count);
        Assert.NotNull(cursor);
        var all = first["items"]!.AsArray().Concat(second["items"]!.AsArray()).Select(j => (string)j!["id"]!).ToList();
        Assert.Equal(3, all.Distinct().Count());
    }

    [Theory]
    [InlineData("?state=done", "state")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=abc", "limit")]
    [InlineData("?cursor=!!", "cursor")]
    [InlineData("?meetingId=a&meetingId=b", "meetingId")]
    [InlineData("?sort=asc", "sort")]
    public async Task List_BadQuery_Is400NamingTheParameter(string query, string parameter)
    {
        var response = await Invoke((f, r) => f.ListDispatches(r, CancellationToken.None), "GET", query: query);

        Assert.Equal(400, response.Status);
        Assert.NotNull(Json(response)["errors"]![parameter]);
    }

    [Fact]
    public async Task Cancel_Scheduled_Is200_ThenDispatched_Is409()
    {
        var scheduled = (string)Json(await Create($$"""{"meetingId":"m-4","agentId":"a","dispatchAt":"{{DateTimeOffset.UtcNow.AddHours(1):O}}"}"""))["id"]!;
        var assigned = (string)Json(await Create("""{"meetingId":"m-5","agentId":"a"}"""))["id"]!;

        var cancelled = await Invoke((f, r) => f.CancelDispatch(r, scheduled, CancellationToken.None), "DELETE");
        var conflict = await Invoke((f, r) => f.CancelDispatch(r, assigned, CancellationToken.None), "DELETE");
        var missing = await Invoke((f, r) => f.CancelDispatch(r, "AAAAAAAAAAAAAAAAAAAAAA", CancellationToken.None), "DELETE");

        Assert.Equal(200, cancelled.Status);
        Assert.Equal("cancelled", (string)Json(cancelled)["state"]!);
        Assert.Equal(409, conflict.Status);
        Assert.Equal("assigned", (string)Json(conflict)["state"]!);
        Assert.Equal(404, missing.Status);
    }

    [Fact]
    public async Task Reschedule_Scheduled_MovesIt()
    {
        var id = (string)Json(await Create($$"""{"meetingId":"m-6","agentId":"a","dispatchAt":"{{DateTimeOffset.UtcNow.AddHours(1):O}}"}"""))["id"]!;
        var newTime = DateTimeOffset.UtcNow.AddHours(3);

        var moved = await Invoke((f, r) => f.RescheduleDispatch(r, id, CancellationToken.None), "PATCH", $$"""{"dispatchAt":"{{newTime:O}}"}""");
        var invalid = await Invoke((f, r) => f.RescheduleDispatch(r, id, CancellationToken.None), "PATCH", """{"when":"now"}""");

        Assert.Equal(200, moved.Status);
        Assert.Equal(newTime.ToUnixTimeMilliseconds(), DateTimeOffset.Parse((string)Json(moved)["dispatchAt"]!, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds());
        Assert.Equal(400, invalid.Status);
    }
}
