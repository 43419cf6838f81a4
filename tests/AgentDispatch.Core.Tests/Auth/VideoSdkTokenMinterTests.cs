using AgentDispatch.Auth;
using AgentDispatch.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AgentDispatch.Core.Tests.Auth;

public sealed class VideoSdkTokenMinterTests
{
    private const string Secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static VideoSdkTokenMinter Minter(TimeSpan lifetime) => new(Options.Create(new VideoSdkOptions { TokenLifetime = lifetime }));

    [Fact]
    public async Task Mint_Token_VerifiesWithTheSecretAndCarriesTheDocumentedClaims()
    {
        var now = DateTimeOffset.UtcNow;

        var minted = Minter(TimeSpan.FromMinutes(30)).Mint("key-1", Secret, now);

        var result = await VideoSdkJwt.ValidateAsync(minted.Token, Secret);
        Assert.True(result.IsValid, result.Exception?.Message);
        var jwt = new JsonWebToken(minted.Token);
        Assert.Equal("key-1", jwt.GetPayloadValue<string>("apikey"));
        Assert.Equal(now.ToUnixTimeSeconds() + 1800, jwt.GetPayloadValue<long>("exp"));
        Assert.Equal(now.ToUnixTimeSeconds(), jwt.GetPayloadValue<long>("iat"));
        Assert.Equal(now.AddMinutes(27).ToUnixTimeSeconds(), minted.RenewAt.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task Mint_WrongSecret_DoesNotVerify()
    {
        var minted = Minter(TimeSpan.FromHours(1)).Mint("key-1", Secret, DateTimeOffset.UtcNow);

        var result = await VideoSdkJwt.ValidateAsync(minted.Token, Secret.Replace('0', '1'));

        Assert.False(result.IsValid);
    }

    [Fact]
    public void Mint_ShortSecret_SaysSoWithoutTheValue()
    {
        var ex = Assert.Throws<TokenUnavailableException>(() => Minter(TimeSpan.FromHours(1)).Mint("key", "short-secret", DateTimeOffset.UtcNow));

        Assert.DoesNotContain("short-secret", ex.Message, StringComparison.Ordinal);
        Assert.False(ex.IsTransient);
    }
}
