using AgentDispatch.Auth;
using AgentDispatch.Configuration;
using Azure.Core;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Microsoft365;

public static class Microsoft365ServiceCollectionExtensions
{
    /// <summary>
    /// Microsoft 365 mailboxes as a source: options (validated at start-up), the state table, the
    /// Graph client over its own HttpClient, the notification receiver, the work queue, the sync and the
    /// timer's pass. A <see cref="Microsoft365Credential"/> or <see cref="IMailboxSource"/> registered
    /// before is used instead of the built-in ones.
    /// </summary>
    public static IServiceCollection AddMicrosoft365(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(Microsoft365Marker)))
        {
            return services; // binding twice would append every mailbox again
        }

        services.AddSingleton<Microsoft365Marker>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<Microsoft365Options>().BindConfiguration(Microsoft365Options.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Microsoft365Options>, Microsoft365OptionsValidator>());

        services.TryAddSingleton(CreateCredential);
        services.TryAddSingleton<IMailboxSource, SettingsMailboxSource>();
        services.TryAddSingleton<MailboxStateStore>();
        services.TryAddSingleton<MailboxWorkQueue>();
        services.TryAddSingleton<GraphClients>();
        services.TryAddSingleton<MailboxSync>();
        services.TryAddSingleton<MailboxSubscriptions>();
        services.TryAddSingleton<MailboxWork>();
        services.TryAddSingleton<MailboxMaintenance>();
        services.TryAddSingleton<GraphNotificationReceiver>();

        services
            .AddHttpClient(GraphClients.HttpClientName, (sp, http) =>
            {
                http.Timeout = sp.GetRequiredService<IOptions<Microsoft365Options>>().Value.RequestTimeout;
                http.DefaultRequestHeaders.UserAgent.ParseAdd("AgentDispatch-Microsoft365/1.0");
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = TimeSpan.FromSeconds(10),
                AllowAutoRedirect = false,
                UseCookies = false,
            })
            // No request logs: their state carries the Authorization header, and URLs name mailboxes and
            // delta tokens. The sync logs what it did itself. No resilience handler either: every call runs
            // from the queue or the timer, and a failure is retried when Graph allows (Retry-After) or at
            // the mailbox's next sync, recorded on the mailbox in between.
            .RemoveAllLoggers();
        return services;
    }

    private static Microsoft365Credential CreateCredential(IServiceProvider sp)
    {
        var o = sp.GetRequiredService<IOptions<Microsoft365Options>>().Value;
        var secretName = o.ClientSecretName ?? o.CertificateName;
        if (!string.IsNullOrWhiteSpace(secretName))
        {
            var vault = sp.GetRequiredService<IOptions<KeyVaultOptions>>().Value;
            var reader = new KeyVaultSecretReader(sp.GetRequiredService<SecretClient>(), sp.GetService<Telemetry.AgentDispatchMetrics>());
            var certificate = !string.IsNullOrWhiteSpace(o.CertificateName);
            return new Microsoft365Credential(new KeyVaultAppCredential(
                reader, o.TenantId!, o.ClientId!, secretName, certificate, vault.SecretCacheDuration, sp.GetRequiredService<TimeProvider>()))
            {
                Kind = certificate ? "certificate" : "client-secret",
            };
        }

        // The app's own identity: in Azure the managed identity that also reads Storage and Key Vault.
        return new Microsoft365Credential(sp.GetRequiredService<TokenCredential>()) { Kind = "managed-identity" };
    }
}

/// <summary>Marks the Microsoft 365 services as registered.</summary>
internal sealed class Microsoft365Marker;
