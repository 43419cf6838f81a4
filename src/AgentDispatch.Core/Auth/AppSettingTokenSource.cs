using AgentDispatch.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AgentDispatch.Auth;

/// <summary>A token in plain settings (<c>VideoSdk:AuthToken</c>): for local development.</summary>
public sealed class AppSettingTokenSource(string token, TimeProvider time) : IVideoSdkTokenSource
{
    public const string SourceKind = "app-setting";

    public string Kind => SourceKind;

    public string Description => "app setting VideoSdk:AuthToken";

    public Task<IssuedToken> FetchAsync(bool reload, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return Task.FromResult(new IssuedToken(TokenText.Check(token, "VideoSdk:AuthToken"), JwtExpiry.RenewAt(token, now, now + TimeSpan.FromDays(1))));
    }
}
