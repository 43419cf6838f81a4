using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Security.KeyVault.Secrets;

namespace AgentDispatch.Sources;

/// <summary>One data key: its id (stored beside every value it encrypted) and the AES-256 key itself.</summary>
public sealed record SourceKey(string Id, byte[] Key);

/// <summary>
/// The data keys feed URLs are encrypted under: the current one for new values, and any earlier one by
/// its id for values stored before a rotation.
/// </summary>
public interface ISourceKeyRing
{
    /// <summary>Null when no data key is configured: then no feed URL can be stored (a Key Vault secret name still can).</summary>
    Task<SourceKey?> CurrentAsync(CancellationToken cancellationToken);

    /// <exception cref="SourceKeyUnavailableException">The key is gone or cannot be read.</exception>
    Task<SourceKey> FindAsync(string id, CancellationToken cancellationToken);
}

/// <summary>A data key could not be had; the message names the setting or secret, never a key.</summary>
public sealed class SourceKeyUnavailableException(string message, Exception? inner = null) : Exception(message, inner)
{
    public SourceKeyUnavailableException()
        : this("The data key is unavailable.")
    {
    }

    public SourceKeyUnavailableException(string message)
        : this(message, null)
    {
    }
}

/// <summary>
/// Turns the configured key text (a setting, or a Key Vault secret's value) into an AES-256 key with
/// HKDF-SHA256, so any long random text will do and the text itself is never the key.
/// </summary>
internal static class DataKeys
{
    private static readonly byte[] KeyInfo = "AgentDispatch sources feed-url key v1"u8.ToArray();
    private static readonly byte[] IdInfo = "AgentDispatch sources key id v1"u8.ToArray();

    public static byte[] Derive(string text) => HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(text), 32, info: KeyInfo);

    /// <summary>An id for a key from settings: a short fingerprint, derived apart from the key, so it reveals nothing of it.</summary>
    public static string SettingId(string text) => "s" + Convert.ToHexStringLower(HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(text), 6, info: IdInfo));
}

/// <summary>No data key configured: feed URLs cannot be stored, and nothing stored can be read.</summary>
internal sealed class NoSourceKeyRing : ISourceKeyRing
{
    public Task<SourceKey?> CurrentAsync(CancellationToken cancellationToken) => Task.FromResult<SourceKey?>(null);

    public Task<SourceKey> FindAsync(string id, CancellationToken cancellationToken)
        => throw new SourceKeyUnavailableException("no data key is configured (Sources:DataKeySecretName or Sources:DataKey), so the stored URL cannot be read.");
}

/// <summary><c>Sources:DataKey</c>: one key, for local runs.</summary>
internal sealed class SettingSourceKeyRing(string text) : ISourceKeyRing
{
    private readonly SourceKey _key = new(DataKeys.SettingId(text), DataKeys.Derive(text));

    public Task<SourceKey?> CurrentAsync(CancellationToken cancellationToken) => Task.FromResult<SourceKey?>(_key);

    public Task<SourceKey> FindAsync(string id, CancellationToken cancellationToken)
        => id == _key.Id
            ? Task.FromResult(_key)
            : throw new SourceKeyUnavailableException("the URL was stored under another data key than Sources:DataKey holds now; add the calendar again.");
}

/// <summary>
/// <c>Sources:DataKeySecretName</c> in Key Vault. The current key is the secret's latest version, re-read
/// after <c>KeyVault:SecretCacheDuration</c>; a value is stored with the version it was encrypted under,
/// and that version is read by its id when needed (versions never change, so they are kept once read).
/// The app only reads the vault: a new version is added by whoever rotates the key.
/// </summary>
internal sealed class VaultSourceKeyRing(SecretClient secrets, string secretName, TimeSpan cacheDuration, TimeProvider time) : ISourceKeyRing
{
    private readonly ConcurrentDictionary<string, SourceKey> _versions = new(StringComparer.Ordinal);
    private (SourceKey Key, DateTimeOffset ReadAt)? _current;

    public async Task<SourceKey?> CurrentAsync(CancellationToken cancellationToken)
    {
        if (_current is { } cached && time.GetUtcNow() - cached.ReadAt < cacheDuration)
        {
            return cached.Key;
        }

        var key = await ReadAsync(null, cancellationToken).ConfigureAwait(false);
        _current = (key, time.GetUtcNow());
        return key;
    }

    public async Task<SourceKey> FindAsync(string id, CancellationToken cancellationToken)
        => _versions.TryGetValue(id, out var key) ? key
            : id.StartsWith('v') && id.Length > 1 ? await ReadAsync(id[1..], cancellationToken).ConfigureAwait(false)
            : throw new SourceKeyUnavailableException($"the URL was stored under a data key that is not a version of Key Vault secret '{secretName}' (Sources:DataKeySecretName); add the calendar again.");

    private async Task<SourceKey> ReadAsync(string? version, CancellationToken cancellationToken)
    {
        KeyVaultSecret secret;
        try
        {
            secret = (await secrets.GetSecretAsync(secretName, version, cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex)
        {
            var reason = ex.Status switch
            {
                404 => version is null ? "was not found" : "has no such version (the key it was stored under is gone)",
                401 or 403 => "may not be read by this app's identity (it needs the Key Vault Secrets User role)",
                _ => $"could not be read: the vault answered {ex.Status}",
            };
            throw new SourceKeyUnavailableException($"Key Vault secret '{secretName}' (Sources:DataKeySecretName) {reason}.", ex);
        }
        catch (Exception ex) when (ex is AggregateException or Azure.Identity.AuthenticationFailedException or Azure.Identity.CredentialUnavailableException)
        {
            throw new SourceKeyUnavailableException($"Key Vault secret '{secretName}' (Sources:DataKeySecretName) could not be read ({ex.GetType().Name}).", ex);
        }

        if (string.IsNullOrWhiteSpace(secret.Value) || secret.Value.Length < SourcesOptions.MinDataKeyLength)
        {
            throw new SourceKeyUnavailableException($"Key Vault secret '{secretName}' (Sources:DataKeySecretName) must hold at least {SourcesOptions.MinDataKeyLength} characters of random text.");
        }

        var key = new SourceKey("v" + secret.Properties.Version, DataKeys.Derive(secret.Value));
        _versions[key.Id] = key;
        return key;
    }
}
