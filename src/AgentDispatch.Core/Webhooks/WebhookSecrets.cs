using AgentDispatch.Auth;
using AgentDispatch.Configuration;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Webhooks;

/// <summary>A provider's signing secret, or why there is none (the message names the setting, never a value).</summary>
public sealed record WebhookSecret(string? Value, string? Problem, bool Transient = false)
{
    public bool Available => Value is not null;
}

/// <summary>
/// Signing secrets for the webhook senders: from plain settings locally, or from Key Vault by the
/// secret names in settings, cached like the VideoSDK token so a burst of deliveries is one vault read.
/// </summary>
public sealed class WebhookSecrets(IServiceProvider services, IOptions<WebhookOptions> options, IOptions<KeyVaultOptions> vault, TimeProvider time) : IDisposable
{
    private readonly Dictionary<WebhookProvider, (string Value, DateTimeOffset Until)> _cache = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    public void Dispose() => _gate.Dispose();

    public async ValueTask<WebhookSecret> GetAsync(WebhookProvider provider, CancellationToken cancellationToken)
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

        lock (_cache)
        {
            if (_cache.TryGetValue(provider, out var cached) && time.GetUtcNow() < cached.Until)
            {
                return new WebhookSecret(cached.Value, null);
            }
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_cache)
            {
                if (_cache.TryGetValue(provider, out var cached) && time.GetUtcNow() < cached.Until)
                {
                    return new WebhookSecret(cached.Value, null);
                }
            }

            var reader = new KeyVaultSecretReader(services.GetRequiredService<SecretClient>());
            var value = (await reader.ReadAsync(o.SecretName, cancellationToken).ConfigureAwait(false)).Trim();
            lock (_cache)
            {
                _cache[provider] = (value, time.GetUtcNow() + vault.Value.SecretCacheDuration);
            }

            return new WebhookSecret(value, null);
        }
        catch (TokenUnavailableException ex)
        {
            return new WebhookSecret(null, $"{provider} webhooks cannot be verified: {ex.Message} (setting {prefix}:SecretName).", ex.IsTransient);
        }
        finally
        {
            _gate.Release();
        }
    }
}
