using AgentDispatch.Storage;

namespace AgentDispatch.Configuration;

/// <summary>
/// The app settings a deployment must provide, spelled as Azure app settings (<c>Section__Name</c>).
/// The infrastructure tests check the Bicep template against this list, so a setting added to the
/// app without being added to the deployment fails a test.
/// </summary>
public static class AppSettings
{
    /// <summary>Settings the app cannot start without in Azure (identity-based storage, Key Vault for the token).</summary>
    public static readonly IReadOnlyList<string> RequiredInAzure =
    [
        "FUNCTIONS_WORKER_RUNTIME",
        StorageClients.ConnectionName + "__accountName",
        StorageClients.ConnectionName + "__credential",
        StorageClients.ConnectionName + "__clientId",
        .. TriggerSettings.All.Select(s => s.Name),
        "KeyVault__VaultUri",
        "KeyVault__ManagedIdentityClientId",
        "VideoSdk__TokenSecretName",
        "Webhooks__Calendly__SecretName",
        "Webhooks__CalCom__SecretName",
        "Webhooks__Standard__SecretName",
        "Sources__Table",
        "Sources__DataKeySecretName",
    ];

    /// <summary>Settings that must never appear in a deployment: a secret in plain settings, or a key-based connection.</summary>
    public static readonly IReadOnlyList<string> ForbiddenInAzure =
    [
        "VideoSdk__AuthToken",
        "Webhooks__Calendly__Secret",
        "Webhooks__CalCom__Secret",
        "Webhooks__Standard__Secret",
        "Sources__DataKey",
        StorageClients.ConnectionName,
    ];
}
