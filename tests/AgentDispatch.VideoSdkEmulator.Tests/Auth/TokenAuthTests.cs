using AgentDispatch.VideoSdkEmulator.Dispatch;
using AgentDispatch.VideoSdkEmulator.Tests.TestSupport;

namespace AgentDispatch.VideoSdkEmulator.Tests.Auth;

public sealed class TokenAuthTests
{
    [Fact]
    public async Task Dispatch_WithValidToken_IsAssigned()
    {
        await using var harness = await EmulatorHarness.StartAsync(Tokens.Options());
        var token = Tokens.Mint();

        var (status, body) = await harness.DispatchJsonAsync(EmulatorHarness.Body(), token);

        Assert.Equal(200, status);
        Assert.True(body.GetProperty("data").GetProperty("success").GetBoolean());
        Assert.Equal(token, Assert.Single(harness.State.Dispatches).Authorization);
    }

    [Fact]
    public async Task Dispatch_WithSameValidTokenRepeatedly_IsAssignedEveryTime()
    {
        await using var harness = await EmulatorHarness.StartAsync(Tokens.Options());
        var token = Tokens.Mint();

        var statuses = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            var (status, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body($"m{i}"), token);
            statuses.Add(status);
        }

        Assert.Equal([200, 200, 200], statuses);
    }

    [Fact]
    public async Task Dispatch_WithTokenSignedByAnotherSecret_Answers401()
    {
        await using var harness = await EmulatorHarness.StartAsync(Tokens.Options());
        var token = Tokens.Mint(secret: new string('x', 64));

        await AssertRejectedAsync(harness, token);
    }

    [Fact]
    public async Task Dispatch_WithExpiredToken_Answers401()
    {
        await using var harness = await EmulatorHarness.StartAsync(Tokens.Options());
        var token = Tokens.Mint(issuedAt: DateTime.UtcNow.AddHours(-3), expires: DateTime.UtcNow.AddHours(-1));

        await AssertRejectedAsync(harness, token);
    }

    [Fact]
    public async Task Dispatch_WithTokenForAnotherApiKey_Answers401()
    {
        await using var harness = await EmulatorHarness.StartAsync(Tokens.Options());
        var token = Tokens.Mint(apiKey: "someone-else");

        await AssertRejectedAsync(harness, token);
    }

    [Fact]
    public async Task Dispatch_WithBearerPrefix_Answers401BecauseVideoSdkWantsTheRawToken()
    {
        await using var harness = await EmulatorHarness.StartAsync(Tokens.Options());

        await AssertRejectedAsync(harness, "Bearer " + Tokens.Mint());
    }

    [Fact]
    public async Task Dispatch_WithGarbageToken_Answers401()
    {
        await using var harness = await EmulatorHarness.StartAsync(Tokens.Options());

        await AssertRejectedAsync(harness, "not-a-jwt");
    }

    [Fact]
    public async Task Dispatch_WithTokenThatExpiresAfterFirstUse_IsRejectedOnceExpired()
    {
        // The emulator remembers tokens it has verified; expiry must still be judged on every request.
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await EmulatorHarness.StartAsync(Tokens.Options(), clock);
        var token = Tokens.Mint(expires: clock.GetUtcNow().UtcDateTime.AddMinutes(10));

        var (before, _) = await harness.DispatchJsonAsync(EmulatorHarness.Body("m1"), token);
        clock.Advance(TimeSpan.FromMinutes(20));
        var (after, body) = await harness.DispatchJsonAsync(EmulatorHarness.Body("m2"), token);

        Assert.Equal(200, before);
        Assert.Equal(401, after);
        Assert.Equal("Invalid token", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Dispatch_WithoutTokenInTokenMode_AnswersUnauthorized()
    {
        await using var harness = await EmulatorHarness.StartAsync(Tokens.Options());

        var (status, body) = await harness.DispatchJsonAsync(EmulatorHarness.Body(), authorization: null);

        Assert.Equal(401, status);
        Assert.Equal("Unauthorized", body.GetProperty("message").GetString());
    }

    private static async Task AssertRejectedAsync(EmulatorHarness harness, string token)
    {
        var (status, body) = await harness.DispatchJsonAsync(EmulatorHarness.Body(), token);

        Assert.Equal(401, status);
        Assert.Equal("Invalid token", body.GetProperty("message").GetString());
        var record = Assert.Single(harness.State.Dispatches);
        Assert.Equal(EmulatedOutcome.Unauthorized, record.Outcome);
        Assert.Equal(token, record.Authorization);
        Assert.False(record.Assigned);
    }
}
