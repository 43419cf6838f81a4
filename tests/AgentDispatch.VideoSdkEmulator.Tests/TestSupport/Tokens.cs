using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AgentDispatch.VideoSdkEmulator.Tests.TestSupport;

/// <summary>Mints VideoSDK-style auth tokens the way the docs describe them.</summary>
internal static class Tokens
{
    public const string ApiKey = "test-api-key";
    public const string ApiSecret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    public static EmulatorOptions Options(EmulatorOptions? options = null)
    {
        options ??= new EmulatorOptions();
        options.ApiKey = ApiKey;
        options.ApiSecret = ApiSecret;
        return options;
    }

    public static string Mint(
        string apiKey = ApiKey,
        string secret = ApiSecret,
        DateTime? expires = null,
        DateTime? issuedAt = null)
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object>
            {
                ["apikey"] = apiKey,
                ["permissions"] = new[] { "allow_join" },
                ["version"] = 2,
                ["roles"] = new[] { "crawler" },
            },
            IssuedAt = issuedAt ?? now,
            NotBefore = issuedAt ?? now,
            Expires = expires ?? now.AddMinutes(120),
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }
}
