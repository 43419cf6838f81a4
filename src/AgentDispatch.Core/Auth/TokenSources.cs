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
