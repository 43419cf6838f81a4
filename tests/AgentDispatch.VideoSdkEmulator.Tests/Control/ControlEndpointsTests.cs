using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentDispatch.VideoSdkEmulator.Deployments;
using AgentDispatch.VideoSdkEmulator.Faults;
using AgentDispatch.VideoSdkEmulator.Tests.TestSupport;
using AgentDispatch.VideoSdkEmulator.Workers;

namespace AgentDispatch.VideoSdkEmulator.Tests.Control;

public sealed class ControlEndpointsTests
{
    [Fact]
    public async Task Health_AnswersOk()
    {
        await using var harness = await EmulatorHarness.StartAsync();

        var text = await harness.Http.GetStringAsync("_emulator/health");

        Assert.Equal("""{"status":"ok"}""", text);
    }

    [Fact]
    public async Task Workers_Get_ListsTheDefaultWorker()
    {
        await using var harness = await EmulatorHarness.StartAsync();

        var workers = await GetJsonAsync(harness, "_emulator/workers");

        var worker = Assert.Single(workers.EnumerateArray());
        Assert.Equal("default", worker.GetProperty("id").GetString());
        Assert.Equal("*", worker.GetProperty("agentId").GetString());
        Assert.Equal(10, worker.GetProperty("maxProcesses").GetInt32());
        Assert.Equal(0.75, worker.GetProperty("loadThreshold").GetDouble());
        Assert.False(worker.GetProperty("draining").GetBoolean());
        Assert.Equal(0, worker.GetProperty("runningJobs").GetInt32());
        Assert.True(worker.GetProperty("available").GetBoolean());
    }

    [Fact]
    public async Task Workers_Post_Answers201AndTheWorkerTakesDispatches()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { RegisterDefaultWorker = false });

        using var response = await PostJsonAsync(harness, "_emulator/workers", """{"id":"w1","agentId":"agent-1","maxProcesses":2}""");
        var worker = await EmulatorHarness.ReadJsonAsync(response);
        var (status, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body(agentId: "agent-1"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/_emulator/workers/w1", response.Headers.Location?.OriginalString);
        Assert.Equal("w1", worker.GetProperty("id").GetString());
        Assert.Equal(2, worker.GetProperty("maxProcesses").GetInt32());
        Assert.Equal(0.75, worker.GetProperty("loadThreshold").GetDouble());
        Assert.Equal(200, status);
        Assert.Equal("w1", Assert.Single(harness.State.Dispatches).WorkerId);
    }

    [Fact]
    public async Task Workers_PostWithoutId_MakesOneUp()
    {
        await using var harness = await EmulatorHarness.StartAsync();

        using var response = await PostJsonAsync(harness, "_emulator/workers", """{"agentId":"agent-1"}""");
        var worker = await EmulatorHarness.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace(worker.GetProperty("id").GetString()));
        Assert.Equal(2, harness.State.Workers.Count);
    }

    [Fact]
    public async Task Workers_PostAgainWithDraining_KeepsRunningJobsAndRefusesNewOnes()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JobDuration = TimeSpan.FromHours(1) });
        harness.State.RegisterWorker(new WorkerRegistration("agent-1", Id: "w1"));
        await harness.DispatchJsonAsync(EmulatorHarness.Body());

        using var response = await PostJsonAsync(harness, "_emulator/workers", """{"id":"w1","agentId":"agent-1","draining":true}""");
        var (status, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body("m2"));

        var worker = harness.State.Workers.Single(w => w.Id == "w1");
        Assert.True(worker.Draining);
        Assert.Equal(1, worker.RunningJobs);
        Assert.Equal(503, status);
    }

    [Theory]
    [InlineData("""{"maxProcesses":2}""", "agentId is required.")]
    [InlineData("""{"agentId":"a","maxProcesses":0}""", "maxProcesses must be at least 1.")]
    [InlineData("""{"agentId":"a","loadThreshold":1.5}""", "loadThreshold must be greater than 0 and at most 1.")]
    [InlineData("""{"agentId":"a","maxProcesses":"many"}""", "Malformed JSON body at $.maxProcesses.")]
    [InlineData("""{"agentId":""", "Malformed JSON body")]
    [InlineData("null", "Request body must not be null.")]
    public async Task Workers_PostInvalid_Answers400(string body, string expectedMessage)
    {
        await using var harness = await EmulatorHarness.StartAsync();

        using var response = await PostJsonAsync(harness, "_emulator/workers", body);
        var answer = await EmulatorHarness.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith(expectedMessage, answer.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Single(harness.State.Workers);
    }

    [Fact]
    public async Task Workers_Delete_ClearsAll()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        harness.State.RegisterWorker(new WorkerRegistration("agent-1"));

        using var response = await harness.Http.DeleteAsync("_emulator/workers");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(harness.State.Workers);
    }

    [Fact]
    public async Task Workers_DeleteOne_RemovesOnlyThatWorker()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        harness.State.RegisterWorker(new WorkerRegistration("agent-1", Id: "w1"));

        using var removed = await harness.Http.DeleteAsync("_emulator/workers/w1");
        using var missing = await harness.Http.DeleteAsync("_emulator/workers/w1");

        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(["default"], harness.State.Workers.Select(w => w.Id));
    }

    [Fact]
    public async Task Deployments_GetByDefault_DeploysEverything()
    {
        await using var harness = await EmulatorHarness.StartAsync();

        var text = await harness.Http.GetStringAsync("_emulator/deployments");

        Assert.Equal("""[{"agentId":"*","versionId":"*"}]""", text);
    }

    [Fact]
    public async Task Deployments_Put_ReplacesTheTable()
    {
        await using var harness = await EmulatorHarness.StartAsync();

        using var response = await harness.Http.PutAsync(
            "_emulator/deployments", Json("""[{"agentId":"agent-1","versionId":"v1"}]"""));
        var (deployed, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body(agentId: "agent-1", versionId: "v1"));
        var (other, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body(agentId: "agent-2", versionId: "v1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([new Deployment("agent-1", "v1")], harness.State.Deployments);
        Assert.Equal(200, deployed);
        Assert.Equal(404, other);
    }

    [Fact]
    public async Task Deployments_PutWithBlankVersion_Answers400()
    {
        await using var harness = await EmulatorHarness.StartAsync();

        using var response = await harness.Http.PutAsync("_emulator/deployments", Json("""[{"agentId":"agent-1","versionId":" "}]"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal([Deployment.Everything], harness.State.Deployments);
    }

    [Fact]
    public async Task Dispatches_Get_ListsEveryRequestWithItsShape()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        var body = EmulatorHarness.Body("m1");
        await harness.DispatchJsonAsync(body, "tok-1");
        await harness.DispatchJsonAsync("{}", "tok-2");

        var records = (await GetJsonAsync(harness, "_emulator/dispatches")).EnumerateArray().ToList();

        Assert.Equal(2, records.Count);
        var first = records[0];
        Assert.Equal(1, first.GetProperty("sequence").GetInt64());
        Assert.True(DateTimeOffset.TryParse(first.GetProperty("receivedAt").GetString(), out _));
        Assert.Equal("tok-1", first.GetProperty("authorization").GetString());
        Assert.Equal(body, first.GetProperty("body").GetString());
        Assert.Equal(200, first.GetProperty("status").GetInt32());
        Assert.StartsWith("""{"message":"Agent dispatch requested successfully.""", first.GetProperty("response").GetString(), StringComparison.Ordinal);
        Assert.Equal("assigned", first.GetProperty("outcome").GetString());
        Assert.True(first.GetProperty("assigned").GetBoolean());
        Assert.Equal("default", first.GetProperty("workerId").GetString());
        Assert.Equal("invalid", records[1].GetProperty("outcome").GetString());
        Assert.Equal(JsonValueKind.Null, records[1].GetProperty("workerId").ValueKind);
    }

    [Fact]
    public async Task Dispatches_GetWithOutcome_Filters()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        await harness.DispatchJsonAsync(EmulatorHarness.Body("m1"));
        await harness.DispatchJsonAsync("{}");
        await harness.DispatchJsonAsync(EmulatorHarness.Body("m3"));

        var assigned = (await GetJsonAsync(harness, "_emulator/dispatches?outcome=assigned")).EnumerateArray().ToList();
        using var unknown = await harness.Http.GetAsync("_emulator/dispatches?outcome=nonsense");

        Assert.Equal(["m1", "m3"], assigned.Select(r => r.GetProperty("meetingId").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    [Fact]
    public async Task Dispatches_Delete_ClearsTheRecordsButNotTheSequence()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        await harness.DispatchJsonAsync(EmulatorHarness.Body("m1"));

        using var response = await harness.Http.DeleteAsync("_emulator/dispatches");
        var emptied = harness.State.Dispatches.Count;
        await harness.DispatchJsonAsync(EmulatorHarness.Body("m2"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(0, emptied);
        Assert.Equal(2, Assert.Single(harness.State.Dispatches).Sequence);
    }

    [Fact]
    public async Task Faults_PutGetDelete_RoundTrip()
    {
        await using var harness = await EmulatorHarness.StartAsync();

        using var put = await harness.Http.PutAsync(
            "_emulator/faults", Json("""{"error503Rate":0.25,"slowRate":0.5,"slowDelay":"00:00:02"}"""));
        var afterPut = await GetJsonAsync(harness, "_emulator/faults");
        using var delete = await harness.Http.DeleteAsync("_emulator/faults");

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(0.25, afterPut.GetProperty("error503Rate").GetDouble());
        Assert.Equal(0.5, afterPut.GetProperty("slowRate").GetDouble());
        Assert.Equal("00:00:02", afterPut.GetProperty("slowDelay").GetString());
        Assert.Equal(1, afterPut.GetProperty("retryAfterSeconds").GetInt32());
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(FaultSettings.None, harness.State.Faults);
    }

    [Theory]
    [InlineData("""{"error503Rate":1.2}""", "error503Rate must be between 0 and 1.")]
    [InlineData("""{"dropRate":-0.5}""", "dropRate must be between 0 and 1.")]
    [InlineData("""{"error503Rate":0.6,"error429Rate":0.6}""", "The fault rates must add up to at most 1.")]
    [InlineData("""{"retryAfterSeconds":-1}""", "retryAfterSeconds must not be negative.")]
    [InlineData("""{"slowDelay":"soon"}""", "Malformed JSON body at $.slowDelay.")]
    public async Task Faults_PutInvalid_Answers400AndKeepsTheOldSettings(string body, string expectedMessage)
    {
        await using var harness = await EmulatorHarness.StartAsync();
        var before = new FaultSettings(Error429Rate: 0.1);
        harness.State.Faults = before;

        using var response = await harness.Http.PutAsync("_emulator/faults", Json(body));
        var answer = await EmulatorHarness.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(expectedMessage, answer.GetProperty("message").GetString());
        Assert.Equal(before, harness.State.Faults);
    }

    [Fact]
    public async Task Reset_RestoresTheStartingState()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        harness.State.ClearWorkers();
        harness.State.SetDeployments([]);
        harness.State.Faults = new FaultSettings(Error503Rate: 1);
        await harness.DispatchJsonAsync(EmulatorHarness.Body());

        using var response = await harness.Http.PostAsync("_emulator/reset", content: null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(harness.State.Dispatches);
        Assert.Equal(["default"], harness.State.Workers.Select(w => w.Id));
        Assert.Equal([Deployment.Everything], harness.State.Deployments);
        Assert.Equal(FaultSettings.None, harness.State.Faults);
    }

    [Fact]
    public async Task ControlEndpoints_AnswerCamelCaseJson()
    {
        await using var harness = await EmulatorHarness.StartAsync();

        using var response = await harness.Http.GetAsync("_emulator/faults");
        var faults = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(faults.TryGetProperty("error429Rate", out _));
    }

    private static async Task<JsonElement> GetJsonAsync(EmulatorHarness harness, string path)
    {
        using var response = await harness.Http.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await EmulatorHarness.ReadJsonAsync(response);
    }

    private static Task<HttpResponseMessage> PostJsonAsync(EmulatorHarness harness, string path, string body) =>
        harness.Http.PostAsync(path, Json(body));

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
