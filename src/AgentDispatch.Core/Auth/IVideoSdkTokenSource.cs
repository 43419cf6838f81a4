namespace AgentDispatch.Auth;

/// <summary>A token fresh from its source, and the moment it should be fetched again.</summary>
public sealed record IssuedToken(string Value, DateTimeOffset RenewAt);

/// <summary>Where tokens come from: plain settings, a Key Vault secret, or minted from a key and secret in Key Vault.</summary>
public interface IVideoSdkTokenSource
{
    /// <summary>Which kind of source this is (<c>app-setting</c>, <c>key-vault-secret</c>, <c>key-vault-minted</c>), safe to show anyone.</summary>
    string Kind { get; }

    /// <summary>The source with its setting and secret names, for logs.</summary>
    string Description { get; }

    /// <param name="reload">True after VideoSDK refused a token: whatever the source cached is read again.</param>
    Task<IssuedToken> FetchAsync(bool reload, CancellationToken cancellationToken);
}
