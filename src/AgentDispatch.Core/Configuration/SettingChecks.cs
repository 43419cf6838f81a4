using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Configuration;

internal static class SettingChecks
{
    private const string KeyVaultReferencePrefix = "@Microsoft.KeyVault(";

    /// <summary>
    /// App Service hands an unresolvable Key Vault reference to the app as its literal text. Said
    /// plainly here, instead of failing later as a bad token.
    /// </summary>
    public static void RejectUnresolvedReference(List<string> failures, string setting, string? value)
    {
        if (value is not null && value.TrimStart().StartsWith(KeyVaultReferencePrefix, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add(
                $"{setting} holds an unresolved Key Vault reference (@Microsoft.KeyVault(...)): the Function App could not "
                + "read the secret. Check the reference and that the app's identity has the Key Vault Secrets User role.");
        }
    }
}
