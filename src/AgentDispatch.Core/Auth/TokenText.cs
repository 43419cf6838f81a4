using AgentDispatch.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AgentDispatch.Auth;

/// <summary>Checks a token before it goes into an <c>Authorization</c> header.</summary>
internal static class TokenText
{
    /// <summary>
    /// The token without surrounding white space (a secret saved from a file often ends in a line
    /// break); anything else that cannot go in an HTTP header is a configuration error named by
    /// <paramref name="origin"/>, never quoted.
    /// </summary>
    public static string Check(string token, string origin)
    {
        var trimmed = token.Trim();
        if (trimmed.Length == 0 || !trimmed.All(c => c is > ' ' and < (char)127))
        {
            throw new TokenUnavailableException($"{origin} does not hold a usable token: it is empty or has characters that cannot go in an HTTP header.", isTransient: false);
        }

        return trimmed;
    }
}
