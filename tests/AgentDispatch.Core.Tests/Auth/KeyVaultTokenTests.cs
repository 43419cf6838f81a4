using System.Collections.Concurrent;
using AgentDispatch.Auth;
using AgentDispatch.Dispatch;
using AgentDispatch.Testing;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AgentDispatch.Core.Tests.Auth;

/// <summary>
/// Tokens read through the real <see cref="SecretClient"/> from a Key Vault stand-in on loopback
/// HTTPS, and dispatched to a loopback VideoSDK: cache, renewal and minting, end to end.
/// </summary>
public sealed class KeyVaultTokenTests : IAsyncLifetime
{
    private const string TokenSecret = "videosdk-auth-token";
    private const string ApiKey = "api-key-0123";
    private const string ApiSecret = "api-secret-0123456789abcdef0123456789abcdef";
    private readonly ConcurrentQueue<string> _authorizations = new();
    private KeyVaultStandIn _vault = null!;
    private LoopbackServer _videoSdk = null!;
    private Func<string, int> _statusFor = _ => 200;

    public async Task InitializeAsync()
    {
        _vault = await KeyVaultStandIn.StartAsync();
        _videoSdk = await LoopbackServer.StartAsync(async (context, request) =>
        {
            var authorization = request.Headers["Authorization"];
            _authorizations.Enqueue(authorization);
            var status = _statusFor(authorization);
            await LoopbackServer.Answer(status, status == 200 ? VideoSdkExamples.SuccessResponseJson : """{"message":"Unauthorized"}""")(context, request);
        });
    }

    public async Task DisposeAsync()
    {
        await _videoSdk.DisposeAsync();
        await _vault.DisposeAsync();
    }

    private CoreServices Services(FakeTimeProvider? time = null, bool mint = false)
    {
        var settings = new Dictionary<string, string?>
        {
            ["VideoSdk:BaseUrl"] = _videoSdk.BaseAddress.AbsoluteUri,
            ["KeyVault:VaultUri"] = _vault.VaultUri.AbsoluteUri,
        };
        if (mint)
        {
            settings["VideoSdk:ApiKeySecretName"] = "videosdk-api-key";
            settings["VideoSdk:ApiSecretSecretName"] = "videosdk-api-secret";
        }

        return CoreServices.Build(settings, services =>
        {
            services.AddSingleton(_vault.CreateSecretClient());
            if (time is not null)
            {
                services.AddSingleton<TimeProvider>(time);
            }
        });
    }

    private static DispatchRequest Request(int i) => new($"meet-{i}", "agent");

    [Fact]
    public async Task DispatchAsync_ThousandDispatches_ReadTheVaultOnce()
    {
        _vault.SetSecret(TokenSecret, "token-from-vault");
        await using var services = Services();
        var client = services.Get<IVideoSdkClient>();

        var outcomes = new ConcurrentBag<DispatchOutcomeKind>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
            outcomes.Add((await client.DispatchAsync(Request(i), ct)).Kind));

        Assert.Equal(1000, outcomes.Count(k => k == DispatchOutcomeKind.Assigned));
        Assert.Equal(1, _vault.ReadCount(TokenSecret));
        Assert.All(_authorizations, a => Assert.Equal("token-from-vault", a));
    }

    [Fact]
    public async Task DispatchAsync_AfterTheCacheLifetime_ReadsTheTokenAgain()
    {
        _vault.SetSecret(TokenSecret, "first");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var services = Services(time);
        var client = services.Get<IVideoSdkClient>();

        await client.DispatchAsync(Request(1), CancellationToken.None);
        _vault.SetSecret(TokenSecret, "second");
        time.Advance(TimeSpan.FromMinutes(59));
        await client.DispatchAsync(Request(2), CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(2));
        await client.DispatchAsync(Request(3), CancellationToken.None);

        Assert.Equal(["first", "first", "second"], _authorizations);
        Assert.Equal(2, _vault.ReadCount(TokenSecret));
    }

    [Fact]
    public async Task DispatchAsync_TokenRotatedInTheVault_ReadsItOnceOn401AndResends()
    {
        _vault.SetSecret(TokenSecret, "old-token");
        _statusFor = authorization =>
        {
            if (authorization == "old-token")
            {
                _vault.SetSecret(TokenSecret, "new-token"); // rotated while the app still holds the old one
                return 401;
            }

            return 200;
        };
        await using var services = Services();

        var outcome = await services.Get<IVideoSdkClient>().DispatchAsync(Request(1), CancellationToken.None);

        Assert.Equal(DispatchOutcomeKind.Assigned, outcome.Kind);
        Assert.Equal(["old-token", "new-token"], _authorizations);
        Assert.Equal(2, _vault.ReadCount(TokenSecret));
    }

    [Fact]
    public async Task DispatchAsync_TokenStillRefusedAfterOneReRead_IsUnauthorized()
    {
        _vault.SetSecret(TokenSecret, "bad-token");
        _statusFor = _ => 401;
        await using var services = Services();

        var outcome = await services.Get<IVideoSdkClient>().DispatchAsync(Request(1), CancellationToken.None);

        Assert.Equal(DispatchOutcomeKind.Unauthorized, outcome.Kind);
        Assert.Equal(2, _vault.ReadCount(TokenSecret)); // the first read, then exactly one re-read
        Assert.Single(_authorizations);
    }

    [Fact]
    public async Task DispatchAsync_ManyConcurrent401s_ShareOneReRead()
    {
        _vault.SetSecret(TokenSecret, "bad-token");
        _statusFor = _ => 401;
        await using var services = Services();
        var client = services.Get<IVideoSdkClient>();

        await Parallel.ForEachAsync(Enumerable.Range(0, 50), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            Assert.Equal(DispatchOutcomeKind.Unauthorized, (await client.DispatchAsync(Request(i), ct)).Kind));

        Assert.Equal(2, _vault.ReadCount(TokenSecret));
    }

    [Fact]
    public async Task DispatchAsync_MissingSecret_IsALocalConfigurationOutcomeLoggedWithTheSecretName()
    {
        await using var services = Services();

        var outcome = await services.Get<IVideoSdkClient>().DispatchAsync(Request(1), CancellationToken.None);

        Assert.Equal(DispatchOutcomeKind.Configuration, outcome.Kind);
        Assert.True(outcome.IsLocal);
        Assert.DoesNotContain(TokenSecret, outcome.Message, StringComparison.Ordinal); // callers are not told the vault's layout
        Assert.Contains($"'{TokenSecret}' was not found", services.AllLogText(), StringComparison.Ordinal);
        Assert.Empty(_authorizations);
    }

    [Fact]
    public async Task DispatchAsync_VaultBrieflyFailing_KeepsUsingTheTokenItHas()
    {
        _vault.SetSecret(TokenSecret, "good-token");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var services = Services(time);
        var client = services.Get<IVideoSdkClient>();
        await client.DispatchAsync(Request(1), CancellationToken.None);

        time.Advance(TimeSpan.FromHours(2));
        _vault.FailNextReads(1, 503);
        var outcome = await client.DispatchAsync(Request(2), CancellationToken.None);

        Assert.Equal(DispatchOutcomeKind.Assigned, outcome.Kind);
        Assert.Equal(["good-token", "good-token"], _authorizations);
    }

    [Fact]
    public async Task DispatchAsync_MintMode_SignsAVerifiableShortLivedJwtFromTheVaultSecrets()
    {
        _vault.SetSecret("videosdk-api-key", ApiKey);
        _vault.SetSecret("videosdk-api-secret", ApiSecret);
        await using var services = Services(mint: true);

        var outcome = await services.Get<IVideoSdkClient>().DispatchAsync(Request(1), CancellationToken.None);

        Assert.Equal(DispatchOutcomeKind.Assigned, outcome.Kind);
        var token = Assert.Single(_authorizations);
        var validation = await VideoSdkJwt.ValidateAsync(token, ApiSecret);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        var jwt = new JsonWebToken(token);
        Assert.Equal("HS256", jwt.Alg);
        Assert.Equal(ApiKey, jwt.GetPayloadValue<string>("apikey"));
        Assert.Equal(2, jwt.GetPayloadValue<int>("version"));
        Assert.Equal(["allow_join"], jwt.GetPayloadValue<string[]>("permissions"));
        Assert.Equal(["crawler"], jwt.GetPayloadValue<string[]>("roles"));
        Assert.InRange(jwt.ValidTo - jwt.IssuedAt, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
        Assert.DoesNotContain(ApiSecret, services.AllLogText(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, services.AllLogText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetTokenAsync_MintModeNearExpiry_ReMintsWithoutReadingTheVault()
    {
        _vault.SetSecret("videosdk-api-key", ApiKey);
        _vault.SetSecret("videosdk-api-secret", ApiSecret);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var services = Services(time, mint: true);
        var tokens = services.Get<IVideoSdkTokenProvider>();

        var first = await tokens.GetTokenAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(30));
        var stillFirst = await tokens.GetTokenAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(25)); // 55 minutes in: inside the last tenth of the hour
        var second = await tokens.GetTokenAsync(CancellationToken.None);

        Assert.Equal(first, stillFirst);
        Assert.NotEqual(first, second);
        Assert.True(new JsonWebToken(second).ValidTo > new JsonWebToken(first).ValidTo);
        Assert.Equal(1, _vault.ReadCount("videosdk-api-key"));
        Assert.Equal(1, _vault.ReadCount("videosdk-api-secret"));
    }

    [Fact]
    public async Task DispatchAsync_SecretWithATrailingLineBreak_SendsTheTrimmedToken()
    {
        _vault.SetSecret(TokenSecret, "token-from-a-file\n");
        await using var services = Services();

        var outcome = await services.Get<IVideoSdkClient>().DispatchAsync(Request(1), CancellationToken.None);

        Assert.Equal(DispatchOutcomeKind.Assigned, outcome.Kind);
        Assert.Equal(["token-from-a-file"], _authorizations);
    }

    [Fact]
    public async Task DispatchAsync_SecretThatCannotBeAHeader_IsAConfigurationOutcome()
    {
        _vault.SetSecret(TokenSecret, "two words");
        await using var services = Services();

        var outcome = await services.Get<IVideoSdkClient>().DispatchAsync(Request(1), CancellationToken.None);

        Assert.Equal(DispatchOutcomeKind.Configuration, outcome.Kind);
        Assert.Empty(_authorizations);
        Assert.DoesNotContain("two words", services.AllLogText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DispatchAsync_ExpiredTokenInTheVault_IsNotReReadOnEveryDispatch()
    {
        var expired = new JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["apikey"] = "k" },
            IssuedAt = DateTime.UtcNow.AddHours(-2),
            NotBefore = DateTime.UtcNow.AddHours(-2),
            Expires = DateTime.UtcNow.AddHours(-1),
            SigningCredentials = new(new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(new byte[32]), "HS256"),
        });
        _vault.SetSecret(TokenSecret, expired);
        await using var services = Services();
        var client = services.Get<IVideoSdkClient>();

        for (var i = 0; i < 50; i++)
        {
            await client.DispatchAsync(Request(i), CancellationToken.None);
        }

        Assert.Equal(1, _vault.ReadCount(TokenSecret));
    }

    [Fact]
    public async Task DispatchAsync_VaultUnreachableWithTheAppsOwnSecretClient_IsATransientOutcomeNotAnException()
    {
        var closed = new Uri($"https://127.0.0.1:{LoopbackPorts.GetFreeTcpPort()}/");
        await using var services = CoreServices.Build(
            new Dictionary<string, string?>
            {
                ["VideoSdk:BaseUrl"] = _videoSdk.BaseAddress.AbsoluteUri,
                ["KeyVault:VaultUri"] = closed.AbsoluteUri,
            },
            s => s.AddSingleton<Azure.Core.TokenCredential>(new StaticTokenCredential()));

        var outcome = await services.Get<IVideoSdkClient>().DispatchAsync(Request(1), CancellationToken.None);

        Assert.Equal(DispatchOutcomeKind.Transient, outcome.Kind);
        Assert.True(outcome.IsLocal);
        Assert.Empty(_authorizations);
        Assert.Contains("the vault did not answer", services.AllLogText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DispatchAsync_MintModeVaultDownWhenSecretsAreDue_KeepsMintingFromTheHeldSecrets()
    {
        _vault.SetSecret("videosdk-api-key", ApiKey);
        _vault.SetSecret("videosdk-api-secret", ApiSecret);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var services = Services(time, mint: true);
        var client = services.Get<IVideoSdkClient>();
        await client.DispatchAsync(Request(1), CancellationToken.None);

        time.Advance(TimeSpan.FromHours(2)); // past the minted token's life and the secrets' cache
        _vault.FailNextReads(1, 503);
        var outcome = await client.DispatchAsync(Request(2), CancellationToken.None);

        Assert.Equal(DispatchOutcomeKind.Assigned, outcome.Kind);
        var second = new JsonWebToken(_authorizations.Last());
        Assert.True(second.ValidTo > time.GetUtcNow().UtcDateTime);
        Assert.Equal(ApiKey, second.GetPayloadValue<string>("apikey"));
    }
}
