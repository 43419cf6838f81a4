using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AgentDispatch.VideoSdkEmulator.Deployments;
using AgentDispatch.VideoSdkEmulator.Dispatch;
using AgentDispatch.VideoSdkEmulator.Tests.TestSupport;
using AgentDispatch.VideoSdkEmulator.Workers;

namespace AgentDispatch.VideoSdkEmulator.Tests.Dispatch;

public sealed class DispatchEndpointTests
{
    [Fact]
    public async Task Dispatch_WithDefaultWorker_AnswersTheDocumentedSuccessBody()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        const string body = """
            {
            "meetingId": "xxxx-xxxx-xxxx",
            "agentId": "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
            "metadata": {
            "variables":[
            {
            "name":"fname",
            "value":"ankit"
            }
            ]
            }
            }
            """;

        using var response = await harness.DispatchAsync(body);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            """{"message":"Agent dispatch requested successfully.","data":{"success":true,"status":"assigned","roomId":"xxxx-xxxx-xxxx","agentId":"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"}}""",
            text);
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        Assert.Equal("Agent dispatch requested successfully.", root.GetProperty("message").GetString());
        var data = root.GetProperty("data");
        Assert.True(data.GetProperty("success").GetBoolean());
        Assert.Equal("assigned", data.GetProperty("status").GetString());
        Assert.Equal("xxxx-xxxx-xxxx", data.GetProperty("roomId").GetString());
        Assert.Equal("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", data.GetProperty("agentId").GetString());
    }

    [Fact]
    public async Task Dispatch_WithCharactersJavaScriptLeavesAlone_EchoesThemUnescaped()
    {
        await using var harness = await EmulatorHarness.StartAsync();

        using var response = await harness.DispatchAsync(EmulatorHarness.Body("room+1&<é>", "agent"));

        Assert.Contains("\"roomId\":\"room+1&<é>\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispatch_WithoutAuthorizationHeader_Answers401Unauthorized()
    {
        await using var harness = await EmulatorHarness.StartAsync();

        var (status, body) = await harness.DispatchJsonAsync(EmulatorHarness.Body(), authorization: null);

        Assert.Equal(401, status);
        Assert.Equal("Unauthorized", body.GetProperty("message").GetString());
        var record = Assert.Single(harness.State.Dispatches);
        Assert.Equal(EmulatedOutcome.Unauthorized, record.Outcome);
        Assert.Null(record.Authorization);
        Assert.False(record.Assigned);
    }

    [Fact]
    public async Task Dispatch_WithBlankAuthorizationHeader_Answers401Unauthorized()
    {
        await using var harness = await EmulatorHarness.StartAsync();

        var (status, body) = await harness.DispatchJsonAsync(EmulatorHarness.Body(), authorization: "   ");

        Assert.Equal(401, status);
        Assert.Equal("Unauthorized", body.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("{\"meetingId\":\"m\",", "Malformed JSON body.")]
    [InlineData("not json", "Malformed JSON body.")]
    [InlineData("{\"meetingId\":\"m\",\"agentId\":\"a\"} trailing", "Malformed JSON body.")]
    [InlineData("", "Request body must be a JSON object.")]
    [InlineData("[]", "Request body must be a JSON object.")]
    [InlineData("{\"agentId\":\"a\"}", "meetingId is required.")]
    [InlineData("{\"meetingId\":\"  \",\"agentId\":\"a\"}", "meetingId is required.")]
    [InlineData("{\"meetingId\":null,\"agentId\":\"a\"}", "meetingId is required.")]
    [InlineData("{\"meetingId\":\"m\"}", "agentId is required.")]
    [InlineData("{\"meetingId\":42,\"agentId\":\"a\"}", "meetingId must be a string.")]
    [InlineData("{\"meetingId\":\"m\",\"agentId\":[\"a\"]}", "agentId must be a string.")]
    [InlineData("{\"meetingId\":\"m\",\"agentId\":\"a\",\"metadata\":\"x\"}", "metadata must be an object.")]
    [InlineData("{\"meetingId\":\"m\",\"agentId\":\"a\",\"versionId\":7}", "versionId must be a string.")]
    [InlineData("{\"meetingId\":\"m\",\"agentId\":\"a\",\"versionId\":\"\"}", "versionId must not be blank.")]
    public async Task Dispatch_WithBadBody_Answers400WithWhatIsWrong(string body, string expectedMessage)
    {
        await using var harness = await EmulatorHarness.StartAsync();

        var (status, answer) = await harness.DispatchJsonAsync(body);

        Assert.Equal(400, status);
        Assert.Equal(expectedMessage, answer.GetProperty("message").GetString());
        var record = Assert.Single(harness.State.Dispatches);
        Assert.Equal(EmulatedOutcome.Invalid, record.Outcome);
        Assert.Equal(body, record.Body);
        Assert.False(record.Assigned);
    }

    [Fact]
    public async Task Dispatch_WithUnknownFieldsAndNullOptionals_IsAccepted()
    {
        await using var harness = await EmulatorHarness.StartAsync();

        var (status, _) = await harness.DispatchJsonAsync(
            """{"meetingId":"m","agentId":"a","metadata":null,"versionId":null,"extra":{"deep":[1,2,{"x":true}]}}""");

        Assert.Equal(200, status);
        var record = Assert.Single(harness.State.Dispatches);
        Assert.Equal(EmulatedOutcome.Assigned, record.Outcome);
        Assert.Equal("default", record.WorkerId);
    }

    [Fact]
    public async Task Dispatch_WithNoWorkers_AnswersNoWorkersRegistered()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        harness.State.ClearWorkers();

        var (status, body) = await harness.DispatchJsonAsync(EmulatorHarness.Body());

        Assert.Equal(404, status);
        Assert.Equal("No Workers Registered", body.GetProperty("message").GetString());
        Assert.Equal(EmulatedOutcome.NotRegistered, Assert.Single(harness.State.Dispatches).Outcome);
    }

    [Fact]
    public async Task Dispatch_ForAgentWithoutWorkerAndNoDefaultWorker_AnswersNoWorkersRegistered()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { RegisterDefaultWorker = false });
        harness.State.RegisterWorker(new WorkerRegistration("other-agent"));

        var (status, body) = await harness.DispatchJsonAsync(EmulatorHarness.Body(agentId: "agent-1"));

        Assert.Equal(404, status);
        Assert.Equal("No Workers Registered", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Dispatch_WhenTheOnlySlotIsHeld_AnswersNoWorkersAvailable()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JobDuration = TimeSpan.FromHours(1) });
        harness.State.RegisterWorker(new WorkerRegistration("agent-1", Id: "w1", MaxProcesses: 1));

        var (firstStatus, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body("m1"));
        var (secondStatus, second) = await harness.DispatchJsonAsync(EmulatorHarness.Body("m2"));

        Assert.Equal(200, firstStatus);
        Assert.Equal(503, secondStatus);
        Assert.Equal("No workers available", second.GetProperty("message").GetString());
        var records = harness.State.Dispatches;
        Assert.Equal([EmulatedOutcome.Assigned, EmulatedOutcome.Capacity], records.Select(r => r.Outcome));
        Assert.Equal("w1", records[0].WorkerId);
        Assert.Null(records[1].WorkerId);
        Assert.False(records[1].Assigned);
    }

    [Fact]
    public async Task Dispatch_AtTheLoadThreshold_AnswersNoWorkersAvailable()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JobDuration = TimeSpan.FromHours(1) });

        // 4 processes at threshold 0.5: load 0/4 and 1/4 accept, 2/4 = 0.5 is at the threshold and refuses.
        harness.State.RegisterWorker(new WorkerRegistration("agent-1", MaxProcesses: 4, LoadThreshold: 0.5));

        var statuses = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            var (status, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body($"m{i}"));
            statuses.Add(status);
        }

        Assert.Equal([200, 200, 503], statuses);
    }

    [Fact]
    public async Task Dispatch_WithDefaultWorkerSettings_AcceptsEightConcurrentJobs()
    {
        // Defaults maxProcesses 10 and loadThreshold 0.75: 8/10 = 0.8 is past the threshold.
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JobDuration = TimeSpan.FromHours(1) });

        var statuses = new List<int>();
        for (var i = 0; i < 10; i++)
        {
            var (status, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body($"m{i}"));
            statuses.Add(status);
        }

        Assert.Equal(8, statuses.Count(s => s == 200));
        Assert.Equal([503, 503], statuses.Skip(8));
    }

    [Fact]
    public async Task Dispatch_ToDrainingWorker_AnswersNoWorkersAvailable()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        harness.State.RegisterWorker(new WorkerRegistration("agent-1", Draining: true));

        var (status, body) = await harness.DispatchJsonAsync(EmulatorHarness.Body());

        Assert.Equal(503, status);
        Assert.Equal("No workers available", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Dispatch_AfterJobDuration_HasTheSlotBack()
    {
        var clock = new ManualTimeProvider();
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JobDuration = TimeSpan.FromMinutes(5) }, clock);
        harness.State.RegisterWorker(new WorkerRegistration("agent-1", Id: "w1", MaxProcesses: 1));

        var (first, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body("m1"));
        clock.Advance(TimeSpan.FromMinutes(4));
        var (stillBusy, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body("m2"));
        clock.Advance(TimeSpan.FromMinutes(1));
        var (freed, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body("m3"));

        Assert.Equal([200, 503, 200], new[] { first, stillBusy, freed });
        Assert.Equal(1, harness.State.Workers.Single(w => w.Id == "w1").RunningJobs);
    }

    [Fact]
    public async Task Dispatch_WithZeroJobDuration_NeverHoldsASlot()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        harness.State.RegisterWorker(new WorkerRegistration("agent-1", MaxProcesses: 1));

        var statuses = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            var (status, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body($"m{i}"));
            statuses.Add(status);
        }

        Assert.All(statuses, s => Assert.Equal(200, s));
    }

    [Fact]
    public async Task Dispatch_PicksTheLeastLoadedWorker()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JobDuration = TimeSpan.FromHours(1) });
        harness.State.RegisterWorker(new WorkerRegistration("agent-1", Id: "a", MaxProcesses: 2, LoadThreshold: 1));
        harness.State.RegisterWorker(new WorkerRegistration("agent-1", Id: "b", MaxProcesses: 2, LoadThreshold: 1));

        for (var i = 0; i < 4; i++)
        {
            await harness.DispatchJsonAsync(EmulatorHarness.Body($"m{i}"));
        }

        Assert.Equal(["a", "b", "a", "b"], harness.State.Dispatches.Select(r => r.WorkerId));
        Assert.All(harness.State.Workers.Where(w => w.Id is "a" or "b"), w => Assert.False(w.Available));
    }

    [Fact]
    public async Task Dispatch_ForAgentWithItsOwnWorker_DoesNotFallBackToTheDefaultWorker()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { JobDuration = TimeSpan.FromHours(1) });
        harness.State.RegisterWorker(new WorkerRegistration("agent-1", Id: "own", MaxProcesses: 1));

        var (first, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body("m1", "agent-1"));
        var (second, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body("m2", "agent-1"));
        var (otherAgent, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body("m3", "agent-2"));

        Assert.Equal([200, 503, 200], new[] { first, second, otherAgent });
        Assert.Equal(["own", null, "default"], harness.State.Dispatches.Select(r => r.WorkerId));
    }

    [Fact]
    public async Task Dispatch_WithVersionIdNotDeployed_AnswersAgentNotDeployed()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        harness.State.SetDeployments([new Deployment("agent-1", "v1")]);

        var (status, body) = await harness.DispatchJsonAsync(EmulatorHarness.Body(agentId: "agent-1", versionId: "v2"));

        Assert.Equal(404, status);
        Assert.Equal("Agent Not Deployed", body.GetProperty("message").GetString());
        Assert.Equal(EmulatedOutcome.NotDeployed, Assert.Single(harness.State.Dispatches).Outcome);
    }

    [Fact]
    public async Task Dispatch_WithDeployedVersion_IsAssignedWithoutAWorker()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        harness.State.ClearWorkers();
        harness.State.SetDeployments([new Deployment("agent-1", "v1"), new Deployment("agent-2", Deployment.Any)]);

        var (pinned, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body("m1", "agent-1", versionId: "v1"));
        var (anyVersion, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body("m2", "agent-2", versionId: "v9"));

        Assert.Equal(200, pinned);
        Assert.Equal(200, anyVersion);
        Assert.All(harness.State.Dispatches, r =>
        {
            Assert.True(r.Assigned);
            Assert.Null(r.WorkerId);
        });
    }

    [Fact]
    public async Task Dispatch_WithVersionIdAndDefaultDeployments_IsAssigned()
    {
        await using var harness = await EmulatorHarness.StartAsync();

        var (status, body) = await harness.DispatchJsonAsync(EmulatorHarness.Body(versionId: "abcd-abcd-abcd-abcd"));

        Assert.Equal(200, status);
        Assert.Equal("assigned", body.GetProperty("data").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Dispatch_RecordsExactAuthorizationAndRawBodyInArrivalOrder()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        const string first = """{ "meetingId" : "m1", "agentId":"a" }""";
        const string second = "{\"agentId\":\"a\",\"meetingId\":\"m2\",\"metadata\":{\"variables\":[{\"name\":\"fname\",\"value\":\"ankit\"}]}}";

        using (await harness.DispatchAsync(first, authorization: "Bearer abc"))
        {
        }

        using (await harness.DispatchAsync(second, authorization: "raw.jwt.token"))
        {
        }

        var records = harness.State.Dispatches;
        Assert.Equal(2, records.Count);
        Assert.Equal("Bearer abc", records[0].Authorization);
        Assert.Equal(first, records[0].Body);
        Assert.Equal("raw.jwt.token", records[1].Authorization);
        Assert.Equal(second, records[1].Body);
        Assert.True(records[0].Sequence < records[1].Sequence);
        Assert.True(records[0].ReceivedAt <= records[1].ReceivedAt);
        Assert.Equal(200, records[1].Status);
        Assert.Equal("m2", records[1].MeetingId);
        Assert.Equal("a", records[1].AgentId);
        Assert.Contains("\"roomId\":\"m2\"", records[1].Response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispatch_WithLatency_AnswersNoSoonerThanTheLatency()
    {
        var latency = TimeSpan.FromMilliseconds(200);
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { Latency = latency });

        var watch = Stopwatch.StartNew();
        var (status, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body());
        watch.Stop();

        Assert.Equal(200, status);
        Assert.True(watch.Elapsed >= latency - Timing.TimerTolerance, $"answered after {watch.Elapsed}");
    }

    [Fact]
    public async Task Dispatch_FromManyConcurrentClients_NeverOverbooksAWorker()
    {
        await using var harness = await EmulatorHarness.StartAsync(
            new EmulatorOptions { JobDuration = TimeSpan.FromHours(1), RegisterDefaultWorker = false });
        harness.State.RegisterWorker(new WorkerRegistration("agent-1", MaxProcesses: 10, LoadThreshold: 1));

        var statuses = await Task.WhenAll(Enumerable.Range(0, 16).Select(async client =>
        {
            var mine = new List<int>();
            for (var i = 0; i < 10; i++)
            {
                var (status, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body($"m{client}-{i}"));
                mine.Add(status);
            }

            return mine;
        }));

        var all = statuses.SelectMany(s => s).ToList();
        Assert.Equal(10, all.Count(s => s == 200));
        Assert.Equal(150, all.Count(s => s == 503));
        Assert.Equal(160, harness.State.DispatchCount);
        Assert.Equal(Enumerable.Range(1, 160).Select(i => (long)i), harness.State.Dispatches.Select(r => r.Sequence));
    }

    [Fact]
    public async Task Dispatches_PastMaxDispatchRecords_DropTheOldest()
    {
        await using var harness = await EmulatorHarness.StartAsync(new EmulatorOptions { MaxDispatchRecords = 3 });

        for (var i = 1; i <= 5; i++)
        {
            await harness.DispatchJsonAsync(EmulatorHarness.Body($"m{i}"));
        }

        Assert.Equal(["m3", "m4", "m5"], harness.State.Dispatches.Select(r => r.MeetingId));
    }
}
