namespace AgentDispatch.Configuration;

/// <summary>Settings under <c>KeyVault:</c>.</summary>
public sealed class KeyVaultOptions
{
    public const string Section = "KeyVault";

    /// <summary>The vault to read secrets from, e.g. <c>https://my-vault.vault.azure.net/</c>. Unset: plain settings are used.</summary>
    public Uri? VaultUri { get; set; }

    /// <summary>Client id of a user-assigned managed identity; unset in Azure means the system-assigned one.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>How long a secret read from the vault is kept in memory before it is read again.</summary>
    public TimeSpan SecretCacheDuration { get; set; } = TimeSpan.FromHours(1);
}
