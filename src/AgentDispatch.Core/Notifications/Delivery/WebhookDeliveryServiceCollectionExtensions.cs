using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentDispatch.Notifications;

public static class WebhookDeliveryServiceCollectionExtensions
{
    /// <summary>
    /// The <see cref="WebhookSender"/> typed client: no redirects, no proxy, no cookies, the address rule enforced
    /// when connecting, no resilience handler (the queue retries) and no HttpClient request logs (they would write
    /// the whole URL, query included).
    /// </summary>
    /// <param name="limits">Read once, at first use; a limit that is out of range stops start-up with a message naming it.</param>
    public static IServiceCollection AddWebhookDelivery(this IServiceCollection services, Func<IServiceProvider, DeliveryLimits> limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ResolveHost>(Dns.GetHostAddressesAsync);
        services.TryAddSingleton(sp =>
        {
            var value = limits(sp) ?? throw new InvalidOperationException("The webhook delivery limits are not set.");
            return value.Problem() is { } problem ? throw new InvalidOperationException($"Webhook delivery: {problem}.") : value;
        });

        services
            .AddHttpClient<WebhookSender>((sp, http) =>
            {
                // The sender limits each attempt itself (a linked token, so it can tell its time-out from the caller's
                // cancellation); this is only the backstop.
                http.Timeout = sp.GetRequiredService<DeliveryLimits>().Timeout + TimeSpan.FromSeconds(5);
                http.DefaultRequestHeaders.UserAgent.ParseAdd("AgentDispatch-Webhooks/1.0");
            })
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                ConnectCallback = SubscriberConnections.Connect(
                    sp.GetRequiredService<DeliveryLimits>().AllowPrivateNetworks, sp.GetRequiredService<ResolveHost>()),
                // A proxy would connect on our behalf to wherever the URL says, past the connect-time address check.
                UseProxy = false,
                AllowAutoRedirect = false,
                UseCookies = false,
                // Decompressing would let a small answer expand past the size limit before it is counted.
                AutomaticDecompression = DecompressionMethods.None,
                // The sender reads what it allows; the rest of a large answer is not drained in the background either.
                MaxResponseDrainSize = 0,
                // Connections are re-made (and names re-resolved and re-checked) at least this often.
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            })
            .RemoveAllLoggers();
        return services;
    }
}
