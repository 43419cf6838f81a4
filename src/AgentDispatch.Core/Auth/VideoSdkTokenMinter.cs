using System.Text;
using AgentDispatch.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AgentDispatch.Auth;

/// <summary>A minted token and when to mint the next one.</summary>
public sealed record MintedToken(string Token, DateTimeOffset ExpiresAt, DateTimeOffset RenewAt);

/// <summary>
/// Mints VideoSDK auth tokens: HS256 JWTs signed with the API secret, carrying <c>apikey</c>,
/// <c>permissions</c>, <c>version: 2</c> and <c>roles: ["crawler"]</c> (the role that may call the
/// v2 REST API; it cannot join a meeting itself).
/// </summary>
public sealed class VideoSdkTokenMinter(IOptions<VideoSdkOptions> options)
{
    private static readonly string[] Permissions = ["allow_join"];
    private static readonly string[] Roles = ["crawler"];
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public MintedToken Mint(string apiKey, string apiSecret, DateTimeOffset now)
    {
        var lifetime = options.Value.TokenLifetime;
        var expires = now + lifetime;
        var key = Encoding.UTF8.GetBytes(apiSecret);
        if (key.Length < 32)
        {
            // HS256 wants a key of at least 256 bits; VideoSDK's secrets are longer than that.
            throw new TokenUnavailableException("The VideoSDK API secret read from Key Vault is shorter than 32 bytes: check the secret's value.", isTransient: false);
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object>
            {
                ["apikey"] = apiKey,
                ["permissions"] = Permissions,
                ["version"] = 2,
                ["roles"] = Roles,
            },
            IssuedAt = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
        };

        // Renew when a tenth of the lifetime is left (at least a minute), well before VideoSDK would refuse it.
        var margin = TimeSpan.FromTicks(Math.Max(lifetime.Ticks / 10, TimeSpan.FromMinutes(1).Ticks));
        return new MintedToken(_handler.CreateToken(descriptor), expires, expires - margin);
    }
}
