using System.Text.Json;
using System.Text.Json.Nodes;
using AgentDispatch.Functions.Dispatch;
using AgentDispatch.Testing;
using Microsoft.AspNetCore.Http;

namespace AgentDispatch.Functions.Tests.Dispatch;

/// <summary><c>POST /api/dispatch</c> through the app's real container, against a loopback VideoSDK.</summary>
public sealed class DispatchFunctionTests
{
    private const string Token = "functions-test-token";

    private static async Task<(FunctionResponse Response, LoopbackServer VideoSdk)> Post(
        string? body, Func<HttpContext, ReceivedRequest, Task> videoSdkAnswer, string? contentType = "application/json")
    {
        var videoSdk = await LoopbackServer.StartAsync(videoSdkAnswer);
        using var host = new FunctionsTestHost(new Dictionary<string, string?>
        {
            ["VideoSdk:BaseUrl"] = videoSdk.BaseAddress.AbsoluteUri,
            ["VideoSdk:AuthToken"] = Token,
            ["VideoSdk:AttemptTimeout"] = "00:00:02",
            ["VideoSdk:ConnectTimeout"] = "00:00:01",
        });
        var request = host.Request(body, contentType);

        var result = await host.Create<DispatchFunction>().Dispatch(request, CancellationToken.None);

        return (await FunctionsTestHost.ExecuteAsync(result, request), videoSdk);
    }

    private static JsonObject Problem(FunctionResponse response)
    {
        Assert.Equal("application/problem+json", response.ContentType);
        var problem = JsonNode.Parse(response.Body)!.AsObject();
        Assert.Equal(response.Status, (int)problem["status"]!);
        Assert.StartsWith("urn:agentdispatch:problem:", (string)problem["type"]!, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty((string?)problem["title"]));
        Assert.DoesNotContain(Token, response.Body, StringComparison.Ordinal);
        return problem;
    }

    [Fact]
    public async Task Dispatch_DocumentedExample_AnswersWithVideoSdksOwnBody()
    {
        var (response, videoSdk) = await Post(VideoSdkExamples.DispatchRequestJson, LoopbackServer.Answer(200, VideoSdkExamples.SuccessResponseJson));
        await using var _ = videoSdk;

        Assert.Equal(200, response.Status);
        Assert.Equal("application/json", response.ContentType);
        Assert.Equal(VideoSdkExamples.SuccessResponseJson, response.Body);
        var sent = Assert.Single(videoSdk.Requests);
        Assert.Equal(Token, sent.Headers["Authorization"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(VideoSdkExamples.DispatchRequestJson), JsonNode.Parse(sent.Body)));
    }

    [Fact]
    public async Task Dispatch_InvalidBody_Is400NamingEachFieldAndSendsNothing()
    {
        var (response, videoSdk) = await Post("""{"meetingId":"","agentId":7,"metadata":"x"}""", LoopbackServer.Answer(200, "{}"));
        await using var _ = videoSdk;

        Assert.Equal(400, response.Status);
        var errors = Problem(response)["errors"]!.AsObject();
        Assert.Equal(["agentId", "meetingId", "metadata"], errors.Select(e => e.Key).Order());
        Assert.Empty(videoSdk.Requests);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    public async Task Dispatch_MalformedBody_Is400AndSendsNothing(string body)
    {
        var (response, videoSdk) = await Post(body, LoopbackServer.Answer(200, "{}"));
        await using var _ = videoSdk;

        Assert.Equal(400, response.Status);
        Assert.NotNull(Problem(response)["errors"]!["body"]);
        Assert.Empty(videoSdk.Requests);
    }

    [Fact]
    public async Task Dispatch_OversizedBody_Is413AndSendsNothing()
    {
        var body = JsonSerializer.Serialize(new { meetingId = "m", agentId = "a", metadata = new { pad = new string('x', 70_000) } });

        var (response, videoSdk) = await Post(body, LoopbackServer.Answer(200, "{}"));
        await using var _ = videoSdk;

        Assert.Equal(413, response.Status);
        Problem(response);
        Assert.Empty(videoSdk.Requests);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=latin1")]
    public async Task Dispatch_NonJsonContentType_Is415(string contentType)
    {
        var (response, videoSdk) = await Post(VideoSdkExamples.DispatchRequestJson, LoopbackServer.Answer(200, "{}"), contentType);
        await using var _ = videoSdk;

        Assert.Equal(415, response.Status);
        Problem(response);
        Assert.Empty(videoSdk.Requests);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/cloudevents+json")]
    public async Task Dispatch_JsonOrMissingContentType_IsAccepted(string? contentType)
    {
        var (response, videoSdk) = await Post(VideoSdkExamples.DispatchRequestJson, LoopbackServer.Answer(200, VideoSdkExamples.SuccessResponseJson), contentType);
        await using var _ = videoSdk;

        Assert.Equal(200, response.Status);
    }

    [Theory]
    [InlineData(503, """{"message":"No workers available"}""", 503, "capacity")]
    [InlineData(404, """{"message":"No Workers Registered"}""", 422, "configuration")]
    [InlineData(400, """{"message":"Agent Not Deployed"}""", 422, "configuration")]
    [InlineData(401, """{"message":"Unauthorized"}""", 502, "unauthorized")]
    [InlineData(403, """{"message":"Forbidden"}""", 502, "unauthorized")]
    [InlineData(400, """{"message":"meetingId is invalid"}""", 400, "rejected")]
    [InlineData(404, """{"message":"meeting not found"}""", 422, "rejected")]
    [InlineData(500, """{"message":"boom"}""", 502, "transient")]
    public async Task Dispatch_UpstreamOutcome_MapsToTheDocumentedStatus(int upstream, string body, int expected, string outcome)
    {
        var (response, videoSdk) = await Post(VideoSdkExamples.DispatchRequestJson, LoopbackServer.Answer(upstream, body, ("Retry-After", "30")));
        await using var _ = videoSdk;

        Assert.Equal(expected, response.Status);
        var problem = Problem(response);
        Assert.Equal(outcome, (string)problem["outcome"]!);
        Assert.Equal(upstream, (int)problem["upstreamStatus"]!);
        Assert.Equal((string)JsonNode.Parse(body)!["message"]!, (string)problem["detail"]!);
        if (outcome == "capacity")
        {
            Assert.Equal("30", response.Headers.RetryAfter.ToString());
        }
    }

    [Fact]
    public async Task Dispatch_PastTheRateLimit_Is503RateLimited_AndNothingIsSent()
    {
        var videoSdk = await LoopbackServer.StartAsync(LoopbackServer.Answer(200, VideoSdkExamples.SuccessResponseJson));
        await using var _ = videoSdk;
        using var host = new FunctionsTestHost(new Dictionary<string, string?>
        {
            ["VideoSdk:BaseUrl"] = videoSdk.BaseAddress.AbsoluteUri,
            ["VideoSdk:AuthToken"] = Token,
            ["VideoSdk:RateLimit:RequestsPerSecond"] = "0.1",
            ["VideoSdk:RateLimit:Burst"] = "1",
            ["VideoSdk:RateLimit:MaxWait"] = "00:00:00",
        });
        var function = host.Create<DispatchFunction>();
        var first = host.Request(VideoSdkExamples.DispatchRequestJson, "application/json");
        await FunctionsTestHost.ExecuteAsync(await function.Dispatch(first, CancellationToken.None), first);
        var second = host.Request(VideoSdkExamples.DispatchRequestJson, "application/json");

        var response = await FunctionsTestHost.ExecuteAsync(await function.Dispatch(second, CancellationToken.None), second);

        Assert.Equal(503, response.Status);
        Assert.Equal("10", response.Headers.RetryAfter.ToString());
        Assert.EndsWith(":rate-limited", (string)Problem(response)["type"]!, StringComparison.Ordinal);
        Assert.Single(videoSdk.Requests);
    }

    [Fact]
    public async Task Dispatch_CapacityWithoutRetryAfter_StillSaysWhenToRetry()
    {
        var (response, videoSdk) = await Post(VideoSdkExamples.DispatchRequestJson, LoopbackServer.Answer(200, VideoSdkExamples.NoWorkersAvailableJson));
        await using var _ = videoSdk;

        Assert.Equal(503, response.Status);
        Assert.Equal("5", response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task Dispatch_NoAnswerAfterSending_Is504()
    {
        var (response, videoSdk) = await Post(VideoSdkExamples.DispatchRequestJson, (context, _) =>
        {
            context.Abort();
            return Task.CompletedTask;
        });
        await using var _ = videoSdk;

        Assert.Equal(504, response.Status);
        Assert.Equal("unknown", (string)Problem(response)["outcome"]!);
        Assert.Single(videoSdk.Requests);
    }

    [Fact]
    public async Task Dispatch_VideoSdkUnreachable_Is502()
    {
        using var host = new FunctionsTestHost(new Dictionary<string, string?>
        {
            ["VideoSdk:BaseUrl"] = $"http://127.0.0.1:{LoopbackPorts.GetFreeTcpPort()}/",
            ["VideoSdk:AuthToken"] = Token,
        });
        var request = host.Request(VideoSdkExamples.DispatchRequestJson);

        var response = await FunctionsTestHost.ExecuteAsync(await host.Create<DispatchFunction>().Dispatch(request, CancellationToken.None), request);

        Assert.Equal(502, response.Status);
        Assert.Equal("transient", (string)Problem(response)["outcome"]!);
    }
}
