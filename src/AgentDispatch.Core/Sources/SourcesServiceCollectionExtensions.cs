using AgentDispatch.Configuration;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Sources;

public static class SourcesServiceCollectionExtensions
{
    /// <summary>
    /// Calendars, schedules and rules managed through the API: the table (<c>Sources:Table</c>), the data
    /// key that encrypts feed URLs (Key Vault's <c>Sources:DataKeySecretName</c>, else <c>Sources:DataKey</c>),
    /// the catalog the poller, runner and router read, and the API. Needs <c>AddAgentDispatchCore</c>'s services.
    /// </summary>
    public static IServiceCollection AddRuntimeSources(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(SourceStore)))
        {
            return services;
        }

        services.AddOptions<SourcesOptions>().BindConfiguration(SourcesOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SourcesOptions>, SourcesOptionsValidator>();
        services.TryAddSingleton<ISourceKeyRing>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SourcesOptions>>().Value;
            var vault = sp.GetRequiredService<IOptions<KeyVaultOptions>>().Value;
            if (options.KeyFromVault(vault))
            {
                return new VaultSourceKeyRing(sp.GetRequiredService<SecretClient>(), options.DataKeySecretName!.Trim(), vault.SecretCacheDuration, sp.GetRequiredService<TimeProvider>());
            }

            return string.IsNullOrWhiteSpace(options.DataKey) ? new NoSourceKeyRing() : new SettingSourceKeyRing(options.DataKey);
        });
        services.AddSingleton<SourceStore>();
        services.TryAddSingleton<FeedUrlProtector>();
        services.TryAddSingleton<SourceCatalog>();
        services.TryAddSingleton<SettingsSources>();
        services.TryAddSingleton<OriginJobs>();
        services.TryAddSingleton<SourcesApi>();

        // Mailboxes added as calendars join those of the settings (registered before AddMicrosoft365's default).
        services.TryAddSingleton<Microsoft365.SettingsMailboxSource>();
        services.TryAddSingleton<Microsoft365.IMailboxSource, CatalogMailboxSource>();
        return services;
    }
}
