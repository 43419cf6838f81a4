using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Configuration;

internal sealed class KeyVaultOptionsValidator : IValidateOptions<KeyVaultOptions>
{
    public ValidateOptionsResult Validate(string? name, KeyVaultOptions options)
    {
        var failures = new List<string>();
        SettingChecks.RejectUnresolvedReference(failures, "KeyVault:ManagedIdentityClientId", options.ManagedIdentityClientId);

        if (options.VaultUri is { } uri && (!uri.IsAbsoluteUri || uri.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add("KeyVault:VaultUri must be an absolute https URL such as https://my-vault.vault.azure.net/.");
        }

        if (options.SecretCacheDuration < TimeSpan.FromSeconds(1))
        {
            failures.Add("KeyVault:SecretCacheDuration must be at least 00:00:01.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
