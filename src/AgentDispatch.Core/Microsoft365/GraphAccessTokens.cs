using Azure.Core;
using Microsoft.Kiota.Abstractions.Authentication;

namespace AgentDispatch.Microsoft365;

/// <summary>
/// Bearer tokens for Graph from the injected <see cref="TokenCredential"/>, for the configured Graph host
/// only: a link that pointed elsewhere (a tampered delta link) gets no token. Plain http is allowed
/// only on loopback, for the local stand-in.
/// </summary>
internal sealed class GraphAccessTokens : IAccessTokenProvider
{
    private readonly TokenCredential _credential;
    private readonly Uri _graphUrl;
    private readonly string[] _scopes;

    public GraphAccessTokens(TokenCredential credential, Uri graphUrl)
    {
        _credential = credential;
        _graphUrl = graphUrl;
        // Graph's application permissions come with the resource's ".default" scope (national clouds have their own host).
        _scopes = [$"{(graphUrl.IsLoopback ? "https://graph.microsoft.com" : graphUrl.GetLeftPart(UriPartial.Authority))}/.default"];
        AllowedHostsValidator = new AllowedHostsValidator([graphUrl.Host]);
    }

    public AllowedHostsValidator AllowedHostsValidator { get; }

    public async Task<string> GetAuthorizationTokenAsync(Uri uri, Dictionary<string, object>? additionalAuthenticationContext = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!string.Equals(uri.Authority, _graphUrl.Authority, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(uri.Scheme, _graphUrl.Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException("A Graph request went to a host other than Microsoft365:GraphUrl's; no token was sent.");
        }

        var token = await _credential.GetTokenAsync(new TokenRequestContext(_scopes), cancellationToken).ConfigureAwait(false);
        return token.Token;
    }
}
