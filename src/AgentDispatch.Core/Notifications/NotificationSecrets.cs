using AgentDispatch.Auth;
using AgentDispatch.Configuration;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Notifications;

/// <summary>A signing secret, or why there is none (and whether that may pass).</summary>
public sealed record SigningSecret(string? Value, string? Problem, bool Transient = false);

/// <summary>
/// The secrets that sign deliveries: from settings, or read from Key Vault by name and cached for
/// <c>KeyVault:SecretCacheDuration</c> (the last value read is kept while the vault is away).
/// </summary>
public sealed class NotificationSecrets(IServiceProvider services, IOptionsMonitor<NotificationsOptions> options, IOptions<KeyVaultOptions> vault, TimeProvider time)
{
    private readonly Dictionary<string, (string Value, DateTimeOffset ReadAt)> _cache = new(StringComparer.Ordinal);

    /// <summary>The secret for deliveries to <paramref name="to"/>: a subscriber's name, or <see cref="NotificationsOptions.CallbackName"/>.</summary>
    public async ValueTask<SigningSecret> ForAsync(string to, CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var (secret, secretName, setting) = Source(o, to);
        if (!string.IsNullOrWhiteSpace(secret))
        {
            return new SigningSecret(secret.Trim(), null);
        }

        if (string.IsNullOrWhiteSpace(secretName))
        {
            return new SigningSecret(null, $"no signing secret: set {setting}");
        }

        if (vault.Value.VaultUri is null)
        {
            return new SigningSecret(null, $"{setting}Name needs KeyVault:VaultUri");
        }

        lock (_cache)
        {
            if (_cache.TryGetValue(secretName, out var cached) && time.GetUtcNow() - cached.ReadAt < vault.Value.SecretCacheDuration)
            {
                return new SigningSecret(cached.Value, null);
            }
        }

        try
        {
            var reader = new KeyVaultSecretReader(services.GetRequiredService<SecretClient>(), services.GetService<Telemetry.AgentDispatchMetrics>());
            var value = (await reader.ReadAsync(secretName, cancellationToken).ConfigureAwait(false)).Trim();
            lock (_cache)
            {
                _cache[secretName] = (value, time.GetUtcNow());
            }

            return new SigningSecret(value, null);
        }
        catch (TokenUnavailableException ex)
        {
            lock (_cache)
            {
                if (ex.IsTransient && _cache.TryGetValue(secretName, out var stale))
                {
                    return new SigningSecret(stale.Value, null);
                }
            }

            return new SigningSecret(null, $"the signing secret ({setting}Name) cannot be read: {ex.Message}", ex.IsTransient);
        }
    }

    /// <summary>True when deliveries to a job's <c>callbackUrl</c> can be signed: a callback secret or a subscriber's is configured.</summary>
    public bool CanSignCallbacks()
    {
        var (secret, secretName, _) = Source(options.CurrentValue, NotificationsOptions.CallbackName);
        return !string.IsNullOrWhiteSpace(secret) || !string.IsNullOrWhiteSpace(secretName);
    }

    private static (string? Secret, string? SecretName, string Setting) Source(NotificationsOptions o, string to)
    {
        if (o.Find(to) is var (subscriber, index))
        {
            return (subscriber.Secret, subscriber.SecretName, $"{NotificationsOptions.Section}:Subscribers:{index}:Secret");
        }

        if (to != NotificationsOptions.CallbackName)
        {
            return (null, null, $"{NotificationsOptions.Section}:Subscribers (no subscriber is named '{to}' any more)");
        }

        if (!string.IsNullOrWhiteSpace(o.CallbackSecret) || !string.IsNullOrWhiteSpace(o.CallbackSecretName) || o.Subscribers.Count == 0)
        {
            return (o.CallbackSecret, o.CallbackSecretName, $"{NotificationsOptions.Section}:CallbackSecret");
        }

        return (o.Subscribers[0].Secret, o.Subscribers[0].SecretName, $"{NotificationsOptions.Section}:Subscribers:0:Secret");
    }
}
