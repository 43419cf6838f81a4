using AgentDispatch.VideoSdkEmulator.Dispatch;

namespace AgentDispatch.VideoSdkEmulator.Auth;

/// <summary>
/// The <c>Authorization</c> check every authenticated <c>/v2</c> route shares: a header must be there,
/// and in token mode it must be a valid token. One instance, so the verified-token cache is shared too.
/// </summary>
internal sealed class ApiAuthorizer
{
    private readonly TokenVerifier? _tokens;

    public ApiAuthorizer(EmulatorOptions options, TimeProvider timeProvider)
    {
        if (options.RequiresToken)
        {
            _tokens = new TokenVerifier(options.ApiKey!, options.ApiSecret!, timeProvider);
        }
    }

    /// <summary>Null when the caller may go on; otherwise the 401 body to answer.</summary>
    public async ValueTask<byte[]?> CheckAsync(string? authorization)
    {
        if (string.IsNullOrWhiteSpace(authorization))
        {
            return DispatchMessages.UnauthorizedBody;
        }

        if (_tokens is not null && !await _tokens.IsValidAsync(authorization).ConfigureAwait(false))
        {
            return DispatchMessages.InvalidTokenBody;
        }

        return null;
    }
}
