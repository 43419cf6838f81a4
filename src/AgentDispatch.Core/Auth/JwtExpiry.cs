using AgentDispatch.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AgentDispatch.Auth;

internal static class JwtExpiry
{
    /// <summary>Renew this long before a JWT's <c>exp</c>, so no request carries a token about to lapse.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The earlier of <paramref name="fallback"/> and shortly before the token's <c>exp</c>, when it is
    /// a JWT that has one; never sooner than a minute from <paramref name="now"/>, so a token that is
    /// already (nearly) expired is not re-read on every dispatch: VideoSDK's refusal says it is bad.
    /// </summary>
    public static DateTimeOffset RenewAt(string token, DateTimeOffset now, DateTimeOffset fallback)
    {
        var renewAt = ExpiryBased(token, fallback);
        var earliest = now + TimeSpan.FromMinutes(1);
        return renewAt < earliest ? earliest : renewAt;
    }

    private static DateTimeOffset ExpiryBased(string token, DateTimeOffset fallback)
    {
        var handler = new JsonWebTokenHandler();
        if (!handler.CanReadToken(token))
        {
            return fallback;
        }

        try
        {
            var jwt = handler.ReadJsonWebToken(token);
            if (jwt.TryGetPayloadValue<long>("exp", out var exp))
            {
                var renewAt = DateTimeOffset.FromUnixTimeSeconds(exp) - Margin;
                return renewAt < fallback ? renewAt : fallback;
            }
        }
        catch (ArgumentException)
        {
            // Not a JWT after all (an opaque token): nothing to learn from it.
        }

        return fallback;
    }
}
