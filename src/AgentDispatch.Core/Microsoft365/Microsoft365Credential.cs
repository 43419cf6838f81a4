using System.Security.Cryptography.X509Certificates;
using AgentDispatch.Auth;
using Azure.Core;
using Azure.Identity;

namespace AgentDispatch.Microsoft365;

/// <summary>
/// The credential Graph is called with, kept apart from the one for Storage and Key Vault: in Azure the
/// app's managed identity (which holds the <c>Calendars.Read</c> app role), or an app registration's
/// client secret or certificate read from Key Vault. Tests and the dev host register their own before
/// the app's services, so neither ever probes the instance metadata address.
/// </summary>
public sealed class Microsoft365Credential(TokenCredential credential)
{
    public TokenCredential Credential { get; } = credential ?? throw new ArgumentNullException(nameof(credential));

    /// <summary>How the token is obtained, for the status page: <c>managed-identity</c>, <c>client-secret</c>, <c>certificate</c> or <c>custom</c>.</summary>
    public string Kind { get; init; } = "custom";
}

/// <summary>
/// An app registration's credential whose secret (a client secret, or a certificate's PFX as Key Vault
/// stores it) is read from Key Vault when a token is needed, cached as the vault reader caches, so a
/// rotated secret is picked up without a restart and never sits in app settings.
/// </summary>
internal sealed class KeyVaultAppCredential(
    KeyVaultSecretReader reader, string tenantId, string clientId, string secretName, bool certificate, TimeSpan cacheFor, TimeProvider time)
    : TokenCredential
{
    // Replaced whole: two callers that read the vault at the same moment both end up with a working credential.
    private volatile CachedCredential? _current;

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        => GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        var credential = await CredentialAsync(cancellationToken).ConfigureAwait(false);
        return await credential.GetTokenAsync(requestContext, cancellationToken).ConfigureAwait(false);
    }

    private async Task<TokenCredential> CredentialAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var current = _current;
        if (current is not null && now - current.ReadAt < cacheFor)
        {
            return current.Credential;
        }

        var secret = await reader.ReadAsync(secretName, cancellationToken).ConfigureAwait(false);
        if (current is not null && current.Secret == secret)
        {
            _current = current with { ReadAt = now };
            return current.Credential;
        }

        // A new credential per secret value: each keeps its own token cache.
        TokenCredential made = certificate
            ? new ClientCertificateCredential(tenantId, clientId, X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(secret), null))
            : new ClientSecretCredential(tenantId, clientId, secret);
        _current = new CachedCredential(secret, made, now);
        return made;
    }

    private sealed record CachedCredential(string Secret, TokenCredential Credential, DateTimeOffset ReadAt);
}
