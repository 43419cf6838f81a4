using Azure.Core;
using Azure.Identity;

namespace AgentDispatch.Configuration;

/// <summary>
/// The credential the app reads Key Vault with, when nothing else was registered. In Azure it is the
/// app's managed identity; on a developer machine that opted into a vault, the developer's sign-in
/// (Azure CLI, Visual Studio, ...) with the managed-identity probe left out, so nothing calls the
/// instance metadata address off the machine.
/// </summary>
internal static class AzureCredentials
{
    public static TokenCredential Create(KeyVaultOptions options) => Create(options.ManagedIdentityClientId);

    /// <param name="managedIdentityClientId">A user-assigned identity's client id; null for the system-assigned one.</param>
    public static TokenCredential Create(string? managedIdentityClientId)
    {
        if (!string.IsNullOrWhiteSpace(managedIdentityClientId))
        {
            return new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(managedIdentityClientId));
        }

        if (RunsInAzure())
        {
            return new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
        }

        return new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ExcludeManagedIdentityCredential = true,
            ExcludeWorkloadIdentityCredential = true,
        });
    }

    // App Service and Functions set these for every app; they are absent on a developer machine.
    private static bool RunsInAzure()
        => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WEBSITE_INSTANCE_ID"))
           || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("IDENTITY_ENDPOINT"));
}
