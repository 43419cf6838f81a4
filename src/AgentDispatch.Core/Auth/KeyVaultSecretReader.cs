using AgentDispatch.Telemetry;
using Azure;
using Azure.Security.KeyVault.Secrets;

namespace AgentDispatch.Auth;

/// <summary>Reads named secrets and turns vault failures into messages that name the secret, never its value.</summary>
public sealed class KeyVaultSecretReader(SecretClient secrets, AgentDispatchMetrics? metrics = null)
{
    public Uri VaultUri => secrets.VaultUri;

    /// <summary>
    /// The app's <see cref="SecretClient"/> settings: short network timeouts and few retries, because
    /// dispatches wait on a token read and a cached token covers a vault that is briefly away.
    /// </summary>
    public static SecretClientOptions ClientOptions()
    {
        var options = new SecretClientOptions();
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(500);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(5);
        return options;
    }

    public async Task<string> ReadAsync(string secretName, CancellationToken cancellationToken)
    {
        try
        {
            var response = await secrets.GetSecretAsync(secretName, cancellationToken: cancellationToken).ConfigureAwait(false);
            metrics?.KeyVaultRead(succeeded: true);
            var value = response.Value.Value;
            return string.IsNullOrWhiteSpace(value)
                ? throw new TokenUnavailableException($"Key Vault secret '{secretName}' is empty.", isTransient: false)
                : value;
        }
        catch (RequestFailedException ex)
        {
            metrics?.KeyVaultRead(succeeded: false);
            var (reason, transient) = ex.Status switch
            {
                404 => ("was not found", false),
                401 or 403 => ("may not be read by this app's identity (it needs the Key Vault Secrets User role)", false),
                0 => ("could not be read: the vault did not answer", true),
                _ => ($"could not be read: the vault answered {ex.Status}", true),
            };
            throw new TokenUnavailableException($"Key Vault secret '{secretName}' {reason}.", transient, ex);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is RequestFailedException or IOException or HttpRequestException or TaskCanceledException))
        {
            // Azure.Core's retry policy gives up on an unreachable vault with an AggregateException of its attempts.
            throw new TokenUnavailableException($"Key Vault secret '{secretName}' could not be read: the vault did not answer.", isTransient: true, ex);
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
