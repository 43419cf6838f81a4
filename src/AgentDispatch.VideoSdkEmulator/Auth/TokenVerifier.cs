using System.Collections.Concurrent;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AgentDispatch.VideoSdkEmulator.Auth;

/// <summary>
/// Checks a VideoSDK auth token: HS256 signed with the API secret, unexpired, <c>apikey</c> claim
/// equal to the API key. The header is taken as it is: VideoSDK wants the raw token, so a client
/// that sends "Bearer &lt;token&gt;" fails here as it would upstream.
/// </summary>
internal sealed class TokenVerifier
{
    private const int MaxCachedTokens = 1024;
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private readonly JsonWebTokenHandler _handler = new();
    private readonly TokenValidationParameters _parameters;
    private readonly string _apiKey;
    private readonly TimeProvider _timeProvider;

    // A benchmark sends one token thousands of times a second; checking its signature once and
    // then only its expiry keeps the hot path to a dictionary look-up. Value: expiry in UTC ticks.
    private readonly ConcurrentDictionary<string, long> _verified = new(StringComparer.Ordinal);

    public TokenVerifier(string apiKey, string apiSecret, TimeProvider timeProvider)
    {
        _apiKey = apiKey;
        _timeProvider = timeProvider;
        _parameters = new TokenValidationParameters
        {
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(apiSecret)),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateIssuerSigningKey = true,
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = ClockSkew,

            // The library's own lifetime check reads the system clock; judging expiry by the emulator's TimeProvider keeps
            // one notion of "now" across slots, records and tokens.
            LifetimeValidator = IsWithinLifetime,
        };
    }

    public async ValueTask<bool> IsValidAsync(string token)
    {
        if (_verified.TryGetValue(token, out var expiresTicks))
        {
            if (_timeProvider.GetUtcNow().UtcTicks <= expiresTicks + ClockSkew.Ticks)
            {
                return true;
            }

            _verified.TryRemove(token, out _);
            return false;
        }

        var result = await _handler.ValidateTokenAsync(token, _parameters).ConfigureAwait(false);
        if (!result.IsValid
            || result.SecurityToken is not JsonWebToken jwt
            || !jwt.TryGetPayloadValue<string>("apikey", out var apiKey)
            || !string.Equals(apiKey, _apiKey, StringComparison.Ordinal))
        {
            return false;
        }

        if (_verified.Count >= MaxCachedTokens)
        {
            _verified.Clear();
        }

        _verified[token] = jwt.ValidTo.Ticks;
        return true;
    }

    private bool IsWithinLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        if (expires is null)
        {
            return false;
        }

        var now = _timeProvider.GetUtcNow().UtcDateTime;
        return (notBefore is null || notBefore.Value.ToUniversalTime() <= now + ClockSkew)
            && expires.Value.ToUniversalTime() >= now - ClockSkew;
    }
}
