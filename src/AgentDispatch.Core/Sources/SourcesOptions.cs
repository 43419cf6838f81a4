using AgentDispatch.Configuration;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Sources;

/// <summary>
/// Settings under <c>Sources:</c>: where calendars, schedules and routing rules added through the API
/// are kept, how long a read of them is reused, and the data key their feed URLs are encrypted with.
/// </summary>
public sealed class SourcesOptions
{
    public const string Section = "Sources";

    /// <summary>The table of runtime sources, in the <c>AzureWebJobsStorage</c> account.</summary>
    public string Table { get; set; } = "AgentDispatchSources";

    /// <summary>
    /// How long the poller, the schedule runner and the router reuse one read of the table; a change made
    /// through another instance takes at most this long (plus the next poll or run) to take effect.
    /// </summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// A Key Vault secret (in <c>KeyVault:VaultUri</c>) whose value is the data key: feed URLs stored in the
    /// table are encrypted under it. Each version of the secret stays readable, so adding a new version
    /// rotates the key without making stored URLs unreadable.
    /// </summary>
    public string? DataKeySecretName { get; set; }

    /// <summary>The data key as a plain setting (at least 32 characters), for local runs; ignored when <see cref="DataKeySecretName"/> is used.</summary>
    public string? DataKey { get; set; }

    /// <summary>The longest <see cref="CacheDuration"/>.</summary>
    public static readonly TimeSpan MaxCacheDuration = TimeSpan.FromSeconds(30);

    public const int MinDataKeyLength = 32;

    /// <summary>True when <see cref="DataKeySecretName"/> is read from the vault rather than <see cref="DataKey"/> used.</summary>
    public bool KeyFromVault(KeyVaultOptions vault)
    {
        ArgumentNullException.ThrowIfNull(vault);
        return vault.VaultUri is not null && !string.IsNullOrWhiteSpace(DataKeySecretName);
    }
}

/// <summary>Start-up checks for <see cref="SourcesOptions"/>, naming each bad setting and never repeating the key.</summary>
internal sealed class SourcesOptionsValidator(IOptions<KeyVaultOptions> vault) : IValidateOptions<SourcesOptions>
{
    public ValidateOptionsResult Validate(string? name, SourcesOptions options)
    {
        var failures = new List<string>();
        SettingChecks.RejectUnresolvedReference(failures, "Sources:DataKey", options.DataKey);
        SettingChecks.RejectUnresolvedReference(failures, "Sources:DataKeySecretName", options.DataKeySecretName);
        if (string.IsNullOrWhiteSpace(options.Table) || options.Table.Length is < 3 or > 63 || !char.IsAsciiLetter(options.Table[0]) || !options.Table.All(char.IsAsciiLetterOrDigit))
        {
            failures.Add("Sources:Table must be 3-63 letters and digits, starting with a letter (an Azure Table name).");
        }

        if (options.CacheDuration < TimeSpan.Zero || options.CacheDuration > SourcesOptions.MaxCacheDuration)
        {
            failures.Add($"Sources:CacheDuration must be between 00:00:00 and {SourcesOptions.MaxCacheDuration:c}.");
        }

        if (!string.IsNullOrEmpty(options.DataKey) && options.DataKey.Length < SourcesOptions.MinDataKeyLength && !options.DataKey.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"Sources:DataKey must be at least {SourcesOptions.MinDataKeyLength} characters (random text, such as the output of 'openssl rand -base64 32').");
        }

        if (!string.IsNullOrWhiteSpace(options.DataKeySecretName) && !options.DataKeySecretName.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
        {
            if (options.DataKeySecretName.Length > 127 || !options.DataKeySecretName.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                failures.Add("Sources:DataKeySecretName must be a Key Vault secret name: 1-127 letters, digits and '-'.");
            }

            if (vault.Value.VaultUri is null)
            {
                failures.Add("Sources:DataKeySecretName needs KeyVault:VaultUri: the data key is read from that vault.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
