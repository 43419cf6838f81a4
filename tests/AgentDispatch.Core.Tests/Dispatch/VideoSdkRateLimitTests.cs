using AgentDispatch.Dispatch;
using AgentDispatch.Testing;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Core.Tests.Dispatch;

/// <summary>
/// <c>VideoSdk:RateLimit</c> on the typed client against a real server on loopback: requests past the
/// bucket are not sent and come back as capacity, waits inside <c>MaxWait</c> go through, and the
/// looks in the room draw from the same bucket. Rates are chosen so that no permit comes back during
/// a test (one every 10 s) or so that every wait is far inside its limit.
/// </summary>
public sealed class VideoSdkRateLimitTests
{
    private static readonly DispatchRequest Request = new("abcd-efgh-ijkl", "MyAgent");

    private static CoreServices Services(Uri baseUrl, params (string Key, string Value)[] limit)
    {
        var settings = new Dictionary<string, string?>
        {
            ["VideoSdk:BaseUrl"] = baseUrl.AbsoluteUri,
            ["VideoSdk:AuthToken"] = "rate-limit-test-token",
            ["VideoSdk:AttemptTimeout"] = "00:00:30",
            ["VideoSdk:ConnectTimeout"] = "00:00:15",
            ["VideoSdk:TotalTimeout"] = "00:02:00",
        };
        foreach (var (key, value) in limit)
        {
            settings["VideoSdk:RateLimit:" + key] = value;
        }

        return CoreServices.Build(settings);
    }

    private static Task<LoopbackServer> VideoSdkAsync() => LoopbackServer.StartAsync(LoopbackServer.Answer(200, VideoSdkExamples.SuccessResponseJson));

    [Fact]
    public async Task Unset_NothingIsHeldBack()
    {
        await using var server = await VideoSdkAsync();
        await using var services = Services(server.BaseAddress);
        var client = services.Get<IVideoSdkClient>();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.DispatchAsync(Request, CancellationToken.None)));

        Assert.False(services.Get<VideoSdkRateLimit>().IsOn);
        Assert.All(outcomes, o => Assert.Equal(DispatchOutcomeKind.Assigned, o.Kind));
        Assert.Equal(20, server.Requests.Count);
    }

    [Fact]
    public async Task PastTheBurst_WithNoWait_IsNotSent_AndIsALocalCapacityOutcome()
    {
        await using var server = await VideoSdkAsync();
        await using var services = Services(server.BaseAddress, ("RequestsPerSecond", "0.1"), ("Burst", "2"), ("MaxWait", "00:00:00"));
        var client = services.Get<IVideoSdkClient>();

        var outcomes = new List<DispatchOutcome>();
        for (var i = 0; i < 5; i++)
        {
            outcomes.Add(await client.DispatchAsync(Request, CancellationToken.None));
        }

        Assert.Equal(2, server.Requests.Count);
        Assert.Equal([DispatchOutcomeKind.Assigned, DispatchOutcomeKind.Assigned], outcomes.Take(2).Select(o => o.Kind));
        Assert.All(outcomes.Skip(2), o =>
        {
            Assert.Equal(DispatchOutcomeKind.Capacity, o.Kind);
            Assert.True(o.IsLocal);
            Assert.True(o.IsRetryable);
            Assert.Equal(TimeSpan.FromSeconds(10), o.RetryAfter);
            Assert.Contains("VideoSdk:RateLimit", o.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task NoPermitWithinMaxWait_IsCapacity_NotAnError()
    {
        await using var server = await VideoSdkAsync();
        await using var services = Services(server.BaseAddress, ("RequestsPerSecond", "0.1"), ("Burst", "1"), ("MaxWait", "00:00:00.200"));
        var client = services.Get<IVideoSdkClient>();

        var first = await client.DispatchAsync(Request, CancellationToken.None);
        var second = await client.DispatchAsync(Request, CancellationToken.None);

        Assert.Equal((DispatchOutcomeKind.Assigned, DispatchOutcomeKind.Capacity), (first.Kind, second.Kind));
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task PermitsThatComeWithinMaxWait_LetEveryRequestThrough()
    {
        await using var server = await VideoSdkAsync();
        // One permit every 20 ms, each waited for up to 10 s: every request goes, one after another.
        await using var services = Services(server.BaseAddress, ("RequestsPerSecond", "50"), ("Burst", "1"), ("MaxWait", "00:00:10"));
        var client = services.Get<IVideoSdkClient>();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => client.DispatchAsync(Request, CancellationToken.None)));

        Assert.All(outcomes, o => Assert.Equal(DispatchOutcomeKind.Assigned, o.Kind));
        Assert.Equal(10, server.Requests.Count);
    }

    [Fact]
    public async Task LooksInTheRoom_DrawFromTheSameBucket()
    {
        await using var server = await VideoSdkAsync();
        await using var services = Services(server.BaseAddress, ("RequestsPerSecond", "0.1"), ("Burst", "1"), ("MaxWait", "00:00:00"));
        var client = services.Get<IVideoSdkClient>();

        await client.DispatchAsync(Request, CancellationToken.None);
        var look = await client.LookInRoomAsync("abcd-efgh-ijkl", CancellationToken.None);

        Assert.Contains("VideoSdk:RateLimit", look.Problem, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Theory]
    [InlineData("RequestsPerSecond", "-1", "VideoSdk:RateLimit:RequestsPerSecond must be 0 (no limit) or between 0.01 and 10000.")]
    [InlineData("RequestsPerSecond", "0.001", "VideoSdk:RateLimit:RequestsPerSecond must be 0 (no limit) or between 0.01 and 10000.")]
    [InlineData("Burst", "-3", "VideoSdk:RateLimit:Burst must be between 0 (one second's worth) and 100000.")]
    [InlineData("MaxWait", "00:01:00", "VideoSdk:RateLimit:MaxWait must be between 00:00:00 and 00:00:30.")]
    public async Task BadSettings_StopStartUp_NamingTheSetting(string key, string value, string message)
    {
        await using var services = Services(new Uri("http://127.0.0.1:9/"), (key, value));

        var failure = Assert.Throws<OptionsValidationException>(() => services.Get<IOptions<AgentDispatch.Configuration.VideoSdkOptions>>().Value);

        Assert.Contains(message, failure.Failures);
    }
}
