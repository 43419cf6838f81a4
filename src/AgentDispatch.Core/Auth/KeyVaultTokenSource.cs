using AgentDispatch.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AgentDispatch.Auth;

/// <summary>A ready token kept in a Key Vault secret (<c>VideoSdk:TokenSecretName</c>).</summary>
public sealed class KeyVaultTokenSource(KeyVaultSecretReader vault, string secretName, TimeSpan cacheDuration, TimeProvider time)
    : IVideoSdkTokenSource
{
    public const string SourceKind = "key-vault-secret";

    public string Kind => SourceKind;

    public string Description => $"Key Vault secret '{secretName}' at {vault.VaultUri}";

    public async Task<IssuedToken> FetchAsync(bool reload, CancellationToken cancellationToken)
    {
        var token = TokenText.Check(await vault.ReadAsync(secretName, cancellationToken).ConfigureAwait(false), $"Key Vault secret '{secretName}'");
        var now = time.GetUtcNow();
        return new IssuedToken(token, JwtExpiry.RenewAt(token, now, now + cacheDuration));
    }
}
