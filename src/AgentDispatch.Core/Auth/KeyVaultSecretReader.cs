using Azure;
using Azure.Security.KeyVault.Secrets;

namespace AgentDispatch.Auth;

/// <summary>Reads named secrets and turns vault failures into messages that name the secret, never its value.</summary>
public sealed class KeyVaultSecretReader(SecretClient secrets)
{
    public Uri VaultUri => secrets.VaultUri;

    public async Task<string> ReadAsync(string secretName, CancellationToken cancellationToken)
    {
        try
        {
            var response = await secrets.GetSecretAsync(secretName, cancellationToken: cancellationToken).ConfigureAwait(false);
            var value = response.Value.Value;
            return string.IsNullOrWhiteSpace(value)
                ? throw new TokenUnavailableException($"Key Vault secret '{secretName}' is empty.", isTransient: false)
                : value;
        }
        catch (RequestFailedException ex)
        {
            var (reason, transient) = ex.Status switch
            {
                404 => ("was not found", false),
                401 or 403 => ("may not be read by this app's identity (it needs the Key Vault Secrets User role)", false),
                0 => ("could not be read: the vault did not answer", true),
                _ => ($"could not be read: the vault answered {ex.Status}", true),
            };
            throw new TokenUnavailableException($"Key Vault secret '{secretName}' {reason}.", transient, ex);
        }
        catch (Exception ex) when (ex is Azure.Identity.AuthenticationFailedException or Azure.Identity.CredentialUnavailableException)
        {
            throw new TokenUnavailableException(
                $"Key Vault secret '{secretName}' could not be read: no Azure credential is available to this app ({ex.GetType().Name}).",
                isTransient: false,
                ex);
        }
    }
}
