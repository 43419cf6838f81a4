using AgentDispatch.Auth;
using AgentDispatch.Configuration;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Webhooks;

/// <summary>A provider's signing secret, or why there is none (the message names the setting, never a value).</summary>
/// <param name="FromVault">Read from Key Vault: a failed signature may mean the secret was rotated there.</param>
public sealed record WebhookSecret(string? Value, string? Problem, bool Transient = false, bool FromVault = false)
{
    public bool Available => Value is not null;

    /// <summary>
    /// The candidate secrets in the value: the whole of it, and when it holds spaces, each
    /// space-separated part, so that an old and a new secret can both be accepted while a sender rotates.
    /// </summary>
    public IEnumerable<string> Candidates()
    {
        if (Value is null)
        {
            yield break;
        }

        yield return Value;
        var parts = Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length > 1)
        {
            foreach (var part in parts)
            {
                yield return part;
            }
        }
    }
}

/// <summary>
/// Signing secrets for the webhook senders: from plain settings locally, or from Key Vault by the
/// secret names in settings, cached like the VideoSDK token so a burst of deliveries is one vault read.
/// A delivery whose signature fails may ask for a fresh read (the secret may have been rotated in the
/// vault), at most once a minute per provider so that forged deliveries cannot hammer the vault; while
/// the vault cannot be reached, the last value read keeps being used.
/// </summary>
public sealed class WebhookSecrets(IServiceProvider services, IOptions<WebhookOptions> options, IOptions<KeyVaultOptions> vault, TimeProvider time) : IDisposable
{
    /// <summary>The least time between two reads of one provider's secret asked for by failed signatures.</summary>
    public static readonly TimeSpan MinRefreshInterval = TimeSpan.FromMinutes(1);

    private readonly Dictionary<WebhookProvider, (string Value, DateTimeOffset ReadAt)> _cache = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    public void Dispose() => _gate.Dispose();

    /// <param name="refresh">
    /// A signature failed with the cached secret: read the vault again if the cached value is older than
    /// <see cref="MinRefreshInterval"/>.
    /// </param>
    public async ValueTask<WebhookSecret> GetAsync(WebhookProvider provider, CancellationToken cancellationToken, bool refresh = false)
    {
        var o = options.Value.For(provider);
        var prefix = WebhookOptions.SettingPrefix(provider);
        if (!string.IsNullOrWhiteSpace(o.Secret))
        {
            return new WebhookSecret(o.Secret.Trim(), null);
        }

        if (vault.Value.VaultUri is null || string.IsNullOrWhiteSpace(o.SecretName))
        {
            return new WebhookSecret(null, $"{provider} webhooks are not configured: set {prefix}:Secret, or KeyVault:VaultUri and {prefix}:SecretName.");
        }

        if (Fresh(provider, refresh) is { } fresh)
        {
            return fresh;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Fresh(provider, refresh) is { } cached)
            {
                return cached;
            }

            var reader = new KeyVaultSecretReader(services.GetRequiredService<SecretClient>(), services.GetService<Telemetry.AgentDispatchMetrics>());
            var value = (await reader.ReadAsync(o.SecretName, cancellationToken).ConfigureAwait(false)).Trim();
            lock (_cache)
            {
                _cache[provider] = (value, time.GetUtcNow());
            }

            return new WebhookSecret(value, null, FromVault: true);
        }
        catch (TokenUnavailableException ex)
        {
            lock (_cache)
            {
                if (ex.IsTransient && _cache.TryGetValue(provider, out var stale))
                {
                    return new WebhookSecret(stale.Value, null, FromVault: true); // the vault is down, not the secret gone
                }
            }

            return new WebhookSecret(null, $"{provider} webhooks cannot be verified (setting {prefix}:SecretName): {ex.Message}", ex.IsTransient);
        }
        finally
        {
            _gate.Release();
        }
    }

    private WebhookSecret? Fresh(WebhookProvider provider, bool refresh)
    {
        lock (_cache)
        {
            if (!_cache.TryGetValue(provider, out var cached))
            {
                return null;
            }

            var age = time.GetUtcNow() - cached.ReadAt;
            var usable = refresh ? age < MinRefreshInterval : age < vault.Value.SecretCacheDuration;
            return usable ? new WebhookSecret(cached.Value, null, FromVault: true) : null;
        }
    }
}
