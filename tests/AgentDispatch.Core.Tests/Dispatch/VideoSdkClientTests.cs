using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.Dispatch;
using AgentDispatch.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AgentDispatch.Core.Tests.Dispatch;

/// <summary>The typed client against a real HTTP server on loopback, registered exactly as the app registers it.</summary>
public sealed class VideoSdkClientTests
{
    private const string Token = "eyJ-test-token-never-logged";

    private static readonly DispatchRequest Example = new(
        VideoSdkExamples.MeetingId,
        VideoSdkExamples.AgentId,
        System.Text.Json.JsonDocument.Parse("""{"variables":[{"name":"fname","value":"ankit"}]}""").RootElement.Clone(),
        "abcd-abcd-abcd-abcd");

    // The limits are generous: on a loaded machine a loopback answer can take seconds, and an attempt
    // cut off by its timeout is Unknown, a connect cut off is retried; either would change what a test
    // that is about classification sees. The tests about a limit set that limit themselves.
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(30);

    // Bounds the waits of the tests themselves, so a broken build fails instead of hanging.
    private static readonly TimeSpan WaitLimit = TimeSpan.FromMinutes(1);

    private static CoreServices Services(Uri baseUrl, params (string Key, string Value)[] extra) => Services(baseUrl, time: null, extra);

    private static CoreServices Services(Uri baseUrl, TimeProvider? time, params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["VideoSdk:BaseUrl"] = baseUrl.AbsoluteUri,
            ["VideoSdk:AuthToken"] = Token,
            ["VideoSdk:AttemptTimeout"] = AttemptTimeout.ToString("c"),
            ["VideoSdk:ConnectTimeout"] = "00:00:15",
            // At least (MaxRetries + 1) x AttemptTimeout + MaxRetries x MaxRetryAfter, as start-up checks.
            ["VideoSdk:TotalTimeout"] = "00:02:00",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return CoreServices.Build(settings, time is null ? null : s => s.AddSingleton(time));
    }

    /// <summary>A handler that never answers: it reports the request, then holds it until the client goes away.</summary>
    private static Func<HttpContext, ReceivedRequest, Task> NeverAnswer(TaskCompletionSource received)
        => async (context, _) =>
        {
            received.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        };

    private static async Task<(DispatchOutcome Outcome, LoopbackServer Server, CoreServices Services)> DispatchAgainst(
        Func<HttpContext, ReceivedRequest, Task> answer, DispatchRequest? request = null)
    {
        var server = await LoopbackServer.StartAsync(answer);
        var services = Services(server.BaseAddress);
        var outcome = await services.Get<IVideoSdkClient>().DispatchAsync(request ?? Example, CancellationToken.None);
        return (outcome, server, services);
    }

    [Fact]
    public async Task DispatchAsync_DocumentedExample_GoesOverTheWireFieldForField()
    {
        var (outcome, server, services) = await DispatchAgainst(LoopbackServer.Answer(200, VideoSdkExamples.SuccessResponseJson));
        await using var _ = server;
        await using var __ = services;

        var sent = Assert.Single(server.Requests);
        Assert.Equal("POST", sent.Method);
        Assert.Equal("/v2/agent/dispatch", sent.Path);
        Assert.Equal(Token, sent.Headers["Authorization"]); // the raw token: no "Bearer "
        Assert.Equal("application/json", sent.Headers["Content-Type"]);
        var body = JsonNode.Parse(sent.Body)!.AsObject();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(VideoSdkExamples.DispatchRequestJson), body));
        Assert.Equal(["meetingId", "agentId", "metadata", "versionId"], body.Select(p => p.Key));
        Assert.Equal(DispatchOutcomeKind.Assigned, outcome.Kind);
        Assert.Equal(200, outcome.UpstreamStatus);
        Assert.Equal(VideoSdkExamples.SuccessResponseJson, outcome.ResponseBody);
        Assert.Equal("Agent dispatch requested successfully.", outcome.Message);
    }

    [Fact]
    public async Task DispatchAsync_OptionalFieldsAbsent_LeavesThemOffTheWire()
    {
        var (_, server, services) = await DispatchAgainst(
            LoopbackServer.Answer(200, VideoSdkExamples.SuccessResponseJson), new DispatchRequest("abcd-efgh-ijkl", "MyAgent"));
        await using var _s = server;
        await using var _p = services;

        Assert.Equal("""{"meetingId":"abcd-efgh-ijkl","agentId":"MyAgent"}""", Assert.Single(server.Requests).BodyText);
    }

    [Fact]
    public async Task DispatchAsync_BaseUrlWithPath_KeepsThePath()
    {
        await using var server = await LoopbackServer.StartAsync(LoopbackServer.Answer(200, VideoSdkExamples.SuccessResponseJson));
        await using var services = Services(new Uri(server.BaseAddress, "videosdk"));

        await services.Get<IVideoSdkClient>().DispatchAsync(Example, CancellationToken.None);

        Assert.Equal("/videosdk/v2/agent/dispatch", Assert.Single(server.Requests).Path);
    }

    public static TheoryData<string, int, DispatchOutcomeKind> DocumentedFailures()
    {
        var data = new TheoryData<string, int, DispatchOutcomeKind>();
        foreach (var status in new[] { 200, 400, 404, 500 })
        {
            data.Add("No workers available", status, DispatchOutcomeKind.Capacity);
            data.Add("No Workers Registered", status, DispatchOutcomeKind.Configuration);
            data.Add("Agent Not Deployed", status, DispatchOutcomeKind.Configuration);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DocumentedFailures))]
    public async Task DispatchAsync_DocumentedFailureMessage_IsClassifiedByItsText(string message, int status, DispatchOutcomeKind expected)
    {
        var (outcome, server, services) = await DispatchAgainst(LoopbackServer.Answer(status, $$"""{"message":"{{message}}"}"""));
        await using var _ = server;
        await using var __ = services;

        Assert.Equal(expected, outcome.Kind);
        Assert.Equal(message, outcome.Message);
        Assert.Equal(status, outcome.UpstreamStatus);
        // "No workers available" proves nothing was dispatched: retried in-call (twice by default). The others never are.
        Assert.Equal(expected == DispatchOutcomeKind.Capacity ? 3 : 1, server.Requests.Count);
    }

    [Theory]
    [InlineData(400, DispatchOutcomeKind.Rejected)]
    [InlineData(404, DispatchOutcomeKind.Rejected)]
    [InlineData(422, DispatchOutcomeKind.Rejected)]
    [InlineData(500, DispatchOutcomeKind.Transient)]
    [InlineData(502, DispatchOutcomeKind.Transient)]
    [InlineData(504, DispatchOutcomeKind.Transient)]
    [InlineData(307, DispatchOutcomeKind.Rejected)]
    public async Task DispatchAsync_OtherStatus_IsClassifiedAndNeverResent(int status, DispatchOutcomeKind expected)
    {
        var (outcome, server, services) = await DispatchAgainst(
            LoopbackServer.Answer(status, """{"message":"meeting not found"}""", ("Location", "http://127.0.0.1:1/elsewhere")));
        await using var _ = server;
        await using var __ = services;

        Assert.Equal(expected, outcome.Kind);
        Assert.Equal("meeting not found", outcome.Message);
        Assert.Single(server.Requests); // a 5xx may have dispatched: not repeated here
    }

    [Fact]
    public async Task DispatchAsync_NonJsonErrorBody_StillClassifiedByStatus()
    {
        var (outcome, server, services) = await DispatchAgainst(async (context, _) =>
        {
            context.Response.StatusCode = 502;
            await context.Response.WriteAsync("<html>bad gateway</html>");
        });
        await using var _ = server;
        await using var __ = services;

        Assert.Equal(DispatchOutcomeKind.Transient, outcome.Kind);
        Assert.Equal("VideoSDK answered 502.", outcome.Message);
    }

    [Fact]
    public async Task DispatchAsync_CapacityWithLongRetryAfter_HandsTheWaitBackWithoutWaiting()
    {
        var (outcome, server, services) = await DispatchAgainst(LoopbackServer.Answer(503, VideoSdkExamples.NoWorkersAvailableJson, ("Retry-After", "120")));
        await using var _ = server;
        await using var __ = services;

        Assert.Equal(DispatchOutcomeKind.Capacity, outcome.Kind);
        Assert.Equal(TimeSpan.FromSeconds(120), outcome.RetryAfter);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task DispatchAsync_CapacityWithShortRetryAfter_WaitsItOutAndRetries()
    {
        var answers = 0;
        var (outcome, server, services) = await DispatchAgainst(async (context, request) =>
        {
            if (Interlocked.Increment(ref answers) == 1)
            {
                await LoopbackServer.Answer(429, VideoSdkExamples.NoWorkersAvailableJson, ("Retry-After", "1"))(context, request);
                return;
            }

            await LoopbackServer.Answer(200, VideoSdkExamples.SuccessResponseJson)(context, request);
        });
        await using var _ = server;
        await using var __ = services;

        Assert.Equal(DispatchOutcomeKind.Assigned, outcome.Kind);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task DispatchAsync_RetryAfterIsHonoured_NotShortened()
    {
        var arrivals = new List<long>();
        await using var server = await LoopbackServer.StartAsync(async (context, request) =>
        {
            lock (arrivals)
            {
                arrivals.Add(Stopwatch.GetTimestamp());
            }

            await LoopbackServer.Answer(503, VideoSdkExamples.NoWorkersAvailableJson, ("Retry-After", "1"))(context, request);
        });
        await using var services = Services(server.BaseAddress);

        var outcome = await services.Get<IVideoSdkClient>().DispatchAsync(Example, CancellationToken.None);

        Assert.Equal(DispatchOutcomeKind.Capacity, outcome.Kind);
        Assert.Equal(3, arrivals.Count); // the first attempt and two retries (VideoSdk:MaxRetries)
        Assert.True(Stopwatch.GetElapsedTime(arrivals[0], arrivals[1]) >= TimeSpan.FromMilliseconds(950));
    }

    [Fact]
    public async Task DispatchAsync_ConfigurationErrorAs503_IsNotRetried()
    {
        var (outcome, server, services) = await DispatchAgainst(LoopbackServer.Answer(503, """{"message":"Agent Not Deployed"}""", ("Retry-After", "0")));
        await using var _ = server;
        await using var __ = services;

        Assert.Equal(DispatchOutcomeKind.Configuration, outcome.Kind);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task DispatchAsync_ConnectionRefused_IsTransientAndNothingWasSent()
    {
        await using var services = Services(new Uri($"http://127.0.0.1:{LoopbackPorts.GetFreeTcpPort()}/"));

        var outcome = await services.Get<IVideoSdkClient>().DispatchAsync(Example, CancellationToken.None);

        Assert.Equal(DispatchOutcomeKind.Transient, outcome.Kind);
        Assert.Null(outcome.UpstreamStatus);
        Assert.True(outcome.IsRetryable);
    }

    [Fact]
    public async Task DispatchAsync_ConnectionDroppedAfterSending_IsUnknownAndNotResent()
    {
        var (outcome, server, services) = await DispatchAgainst((context, _) =>
        {
            context.Abort();
            return Task.CompletedTask;
        });
        await using var _ = server;
        await using var __ = services;

        Assert.Equal(DispatchOutcomeKind.Unknown, outcome.Kind);
        Assert.False(outcome.IsRetryable);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task DispatchAsync_AnswerSlowerThanTheAttemptTimeout_IsUnknownAndNotResent()
    {
        // The attempt timeout runs on a fake clock, moved past it once the request is at the server:
        // how slow the machine is cannot decide whether the answer beat the timeout.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await LoopbackServer.StartAsync(NeverAnswer(received));
        await using var services = Services(server.BaseAddress, time);

        var dispatch = services.Get<IVideoSdkClient>().DispatchAsync(Example, CancellationToken.None);
        await received.Task.WaitAsync(WaitLimit);
        time.Advance(AttemptTimeout);
        var outcome = await dispatch.WaitAsync(WaitLimit);

        Assert.Equal(DispatchOutcomeKind.Unknown, outcome.Kind);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task DispatchAsync_CallerCancels_Throws()
    {
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await LoopbackServer.StartAsync(NeverAnswer(received));
        await using var services = Services(server.BaseAddress);
        using var cancel = new CancellationTokenSource();

        var dispatch = services.Get<IVideoSdkClient>().DispatchAsync(Example, cancel.Token);
        await received.Task.WaitAsync(WaitLimit);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dispatch.WaitAsync(WaitLimit));
    }

    [Fact]
    public async Task DispatchAsync_Unauthorized_WithAPlainSettingToken_IsNotResent()
    {
        var (outcome, server, services) = await DispatchAgainst(LoopbackServer.Answer(401, """{"message":"Invalid token"}"""));
        await using var _ = server;
        await using var __ = services;

        Assert.Equal(DispatchOutcomeKind.Unauthorized, outcome.Kind);
        Assert.Single(server.Requests); // the setting gave the same token again: resending could not help
    }

    [Fact]
    public async Task DispatchAsync_AnyOutcome_NeverLogsTheToken()
    {
        foreach (var status in new[] { 200, 401, 500, 503 })
        {
            var (_, server, services) = await DispatchAgainst(LoopbackServer.Answer(status, """{"message":"x"}"""));
            await using var _s = server;
            await using var _p = services;

            Assert.NotEmpty(services.Logs.GetSnapshot());
            Assert.DoesNotContain(Token, services.AllLogText(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task DispatchAsync_ResponseBody_IsKeptVerbatim()
    {
        const string body = """{"message":"Agent dispatch requested successfully.","data":{"success":true,"status":"assigned","roomId":"r","agentId":"a","extra":[1,2]}}""";
        var (outcome, server, services) = await DispatchAgainst(LoopbackServer.Answer(200, body));
        await using var _ = server;
        await using var __ = services;

        Assert.Equal(body, outcome.ResponseBody);
        Assert.Equal(Encoding.UTF8.GetByteCount(body), Encoding.UTF8.GetByteCount(outcome.ResponseBody!));
    }

    [Fact]
    public async Task DispatchAsync_503WithAnotherMessage_IsCapacityButNotResent()
    {
        var (outcome, server, services) = await DispatchAgainst(LoopbackServer.Answer(503, """{"message":"Service Unavailable"}""", ("Retry-After", "0")));
        await using var _ = server;
        await using var __ = services;

        Assert.Equal(DispatchOutcomeKind.Capacity, outcome.Kind);
        Assert.Single(server.Requests); // it reached VideoSDK and said something else: not provably undispatched
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public async Task DispatchAsync_RefusalWithNoMessage_IsResent(int status)
    {
        var (outcome, server, services) = await DispatchAgainst(LoopbackServer.Answer(status, null, ("Retry-After", "0")));
        await using var _ = server;
        await using var __ = services;

        Assert.Equal(DispatchOutcomeKind.Capacity, outcome.Kind);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task DispatchAsync_SuccessStatusWhoseBodySaysFailure_IsRejected()
    {
        var (outcome, server, services) = await DispatchAgainst(LoopbackServer.Answer(200, """{"message":"could not dispatch","data":{"success":false}}"""));
        await using var _ = server;
        await using var __ = services;

        Assert.Equal(DispatchOutcomeKind.Rejected, outcome.Kind);
        Assert.Equal("could not dispatch", outcome.Message);
    }

    [Fact]
    public async Task DispatchAsync_ConnectionThatNeverOpens_IsTransientNotUnknown()
    {
        // A listener that never accepts, with its backlog full: connecting hangs, as to a host that drops SYNs.
        using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        listener.Listen(0);
        var port = ((System.Net.IPEndPoint)listener.LocalEndPoint!).Port;
        var fillers = new List<System.Net.Sockets.Socket>();
        try
        {
            for (var i = 0; i < 8; i++)
            {
                var filler = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { Blocking = false };
                try
                {
                    filler.Connect(System.Net.IPAddress.Loopback, port);
                }
                catch (System.Net.Sockets.SocketException)
                {
                    // in progress: that is what fills the backlog
                }

                fillers.Add(filler);
            }

            await using var services = Services(new Uri($"http://127.0.0.1:{port}/"), ("VideoSdk:ConnectTimeout", "00:00:00.300"), ("VideoSdk:MaxRetries", "1"));

            var outcome = await services.Get<IVideoSdkClient>().DispatchAsync(Example, CancellationToken.None);

            Assert.Equal(DispatchOutcomeKind.Transient, outcome.Kind);
            Assert.Contains("nothing was sent", outcome.Message, StringComparison.Ordinal);
        }
        finally
        {
            fillers.ForEach(f => f.Dispose());
        }
    }

    [Fact]
    public async Task DispatchAsync_CancelledWhileWaitingForTheAnswer_LogsThatAnAgentMayHaveBeenDispatched()
    {
        // Cancelled once the request is at the server, not after a fixed time: on a slow machine a
        // timer could fire before the request was sent, or after an attempt timeout had answered.
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await LoopbackServer.StartAsync(NeverAnswer(received));
        await using var services = Services(server.BaseAddress);
        using var cancel = new CancellationTokenSource();

        var dispatch = services.Get<IVideoSdkClient>().DispatchAsync(Example, cancel.Token);
        await received.Task.WaitAsync(WaitLimit);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dispatch.WaitAsync(WaitLimit));

        Assert.Contains("an agent may have been dispatched", services.AllLogText(), StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }
}
