using AgentDispatch.Auth;
using AgentDispatch.Configuration;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Calendars;

public static class CalendarServiceCollectionExtensions
{
    /// <summary>
    /// The feed options (bound from <c>Calendars:</c>, validated at start-up), the URL resolver and the
    /// <see cref="CalendarFeedFetcher"/> typed client. Feeds whose URL is in Key Vault use the
    /// <see cref="SecretClient"/> that <c>AddAgentDispatchCore</c> registers for <c>KeyVault:VaultUri</c>.
    /// </summary>
    public static IServiceCollection AddCalendarFeeds(this IServiceCollection services)
    {
        // Safe to call twice: binding the options again would append every feed to the list a second time.
        if (services.Any(d => d.ServiceType == typeof(CalendarFeedsMarker)))
        {
            return services;
        }

        services.AddSingleton<CalendarFeedsMarker>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<CalendarOptions>().BindConfiguration(CalendarOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CalendarOptions>, CalendarOptionsValidator>());

        services.TryAddSingleton(sp => new CalendarFeedUrlResolver(
            // Resolved on first use only: an app whose feeds all have plain URLs never builds a SecretClient.
            () => new KeyVaultSecretReader(sp.GetRequiredService<SecretClient>(), sp.GetService<Telemetry.AgentDispatchMetrics>()),
            sp.GetRequiredService<IOptions<KeyVaultOptions>>().Value.SecretCacheDuration,
            sp.GetRequiredService<TimeProvider>()));

        services
            .AddHttpClient<CalendarFeedFetcher>(http =>
            {
                // FetchAsync enforces Calendars:FetchTimeout itself, over the headers and the whole body.
                http.Timeout = Timeout.InfiniteTimeSpan;
                http.DefaultRequestHeaders.UserAgent.ParseAdd("AgentDispatch-CalendarFeeds/1.0");
            })
            .ConfigurePrimaryHttpMessageHandler(CalendarFeedHttp.CreateHandler)
            // The factory's default loggers write the request URI, and a private feed's URI is a credential.
            .RemoveAllLoggers();

        return services;
    }
}

/// <summary>Marks the calendar feed services as registered.</summary>
internal sealed class CalendarFeedsMarker;
