using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AgentDispatch.Core.Tests.Auth;

/// <summary>Verifies a VideoSDK token the way VideoSDK would: HS256 with the API secret, not expired.</summary>
internal static class VideoSdkJwt
{
    public static Task<TokenValidationResult> ValidateAsync(string token, string apiSecret)
        => new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(apiSecret)),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = true,
            RequireExpirationTime = true,
        });
}
