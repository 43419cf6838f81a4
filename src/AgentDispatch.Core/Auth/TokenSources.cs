using AgentDispatch.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AgentDispatch.Auth;

/// <summary>A token in plain settings (<c>VideoSdk:AuthToken</c>): for local development.</summary>
public sealed class AppSettingTokenSource(string token, TimeProvider time) : IVideoSdkTokenSource
{
    public string Description => "app setting VideoSdk:AuthToken";

    public Task<IssuedToken> FetchAsync(bool reload, CancellationToken cancellationToken)
        => Task.FromResult(new IssuedToken(token, JwtExpiry.RenewAt(token, time.GetUtcNow() + TimeSpan.FromDays(1))));
}

/// <summary>A ready token kept in a Key Vault secret (<c>VideoSdk:TokenSecretName</c>).</summary>
public sealed class KeyVaultTokenSource(KeyVaultSecretReader vault, string secretName, TimeSpan cacheDuration, TimeProvider time)
    : IVideoSdkTokenSource
{
    public string Description => $"Key Vault secret '{secretName}' at {vault.VaultUri}";

    public async Task<IssuedToken> FetchAsync(bool reload, CancellationToken cancellationToken)
    {
        var token = await vault.ReadAsync(secretName, cancellationToken).ConfigureAwait(false);
        return new IssuedToken(token, JwtExpiry.RenewAt(token, time.GetUtcNow() + cacheDuration));
    }
}

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
    private (string ApiKey, string ApiSecret, DateTimeOffset ReadAt)? _credentials;

    public string Description => $"tokens minted from Key Vault secrets '{apiKeySecretName}' and '{apiSecretSecretName}' at {vault.VaultUri}";

    public async Task<IssuedToken> FetchAsync(bool reload, CancellationToken cancellationToken)
    {
        // Called under the provider's lock: no concurrent access to _credentials.
        var now = time.GetUtcNow();
        if (reload || _credentials is not { } cached || now - cached.ReadAt >= cacheDuration)
        {
            var apiKey = await vault.ReadAsync(apiKeySecretName, cancellationToken).ConfigureAwait(false);
            var apiSecret = await vault.ReadAsync(apiSecretSecretName, cancellationToken).ConfigureAwait(false);
            _credentials = cached = (apiKey, apiSecret, now);
        }

        var minted = minter.Mint(cached.ApiKey, cached.ApiSecret, now);
        var credentialsDue = cached.ReadAt + cacheDuration;
        return new IssuedToken(minted.Token, minted.RenewAt < credentialsDue ? minted.RenewAt : credentialsDue);
    }
}

internal static class JwtExpiry
{
    /// <summary>Renew this long before a JWT's <c>exp</c>, so no request carries a token about to lapse.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromMinutes(5);

    /// <summary>The earlier of <paramref name="fallback"/> and shortly before the token's <c>exp</c>, when it is a JWT that has one.</summary>
    public static DateTimeOffset RenewAt(string token, DateTimeOffset fallback)
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
