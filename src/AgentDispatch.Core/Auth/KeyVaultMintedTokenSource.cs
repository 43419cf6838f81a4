using AgentDispatch.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AgentDispatch.Auth;

/// <summary>
/// Tokens minted here from the API key and secret kept in Key Vault. The two secrets are cached for
/// <see cref="KeyVaultOptions.SecretCacheDuration"/>; tokens are re-minted before they expire without
/// touching the vault.
/// </summary>
public sealed class KeyVaultMintedTokenSource(
    KeyVaultSecretReader vault,
    string apiKeySecretName,
    string apiSecretSecretName,
    TimeSpan cacheDuration,
    VideoSdkTokenMinter minter,
    TimeProvider time) : IVideoSdkTokenSource
{
    public const string SourceKind = "key-vault-minted";

    private (string ApiKey, string ApiSecret, DateTimeOffset ReadAt)? _credentials;

    public string Kind => SourceKind;

    public string Description => $"tokens minted from Key Vault secrets '{apiKeySecretName}' and '{apiSecretSecretName}' at {vault.VaultUri}";

    public async Task<IssuedToken> FetchAsync(bool reload, CancellationToken cancellationToken)
    {
        // Called under the provider's lock: no concurrent access to _credentials.
        var now = time.GetUtcNow();
        if (reload || _credentials is not { } cached || now - cached.ReadAt >= cacheDuration)
        {
            try
            {
                var apiKey = TokenText.Check(await vault.ReadAsync(apiKeySecretName, cancellationToken).ConfigureAwait(false), $"Key Vault secret '{apiKeySecretName}'");
                var apiSecret = (await vault.ReadAsync(apiSecretSecretName, cancellationToken).ConfigureAwait(false)).Trim();
                _credentials = cached = (apiKey, apiSecret, now);
            }
            catch (TokenUnavailableException ex) when (ex.IsTransient && !reload && _credentials is { } held)
            {
                // The vault is briefly away but the key and secret in memory still sign good tokens:
                // keep minting from them, and try the vault again shortly.
                var fallback = minter.Mint(held.ApiKey, held.ApiSecret, now);
                return new IssuedToken(fallback.Token, now + VideoSdkTokenProvider.Grace);
            }
        }

        var minted = minter.Mint(cached.ApiKey, cached.ApiSecret, now);
        var credentialsDue = cached.ReadAt + cacheDuration;
        return new IssuedToken(minted.Token, minted.RenewAt < credentialsDue ? minted.RenewAt : credentialsDue);
    }
}
