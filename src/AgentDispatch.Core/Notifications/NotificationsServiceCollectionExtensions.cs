using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Notifications;

public static class NotificationsServiceCollectionExtensions
{
    /// <summary>Status events: the publisher the ledger calls, the queue's deliverer, the dead-letter table and the signed sender.</summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services)
    {
        services.AddOptions<NotificationsOptions>().BindConfiguration(NotificationsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<NotificationsOptions>, NotificationsOptionsValidator>();
        services.TryAddSingleton<JobEventPublisher>();
        services.TryAddSingleton<NotificationSecrets>();
        services.TryAddSingleton<NotificationFailures>();
        services.TryAddSingleton<INotificationBacklog>(sp => sp.GetRequiredService<NotificationFailures>());
        services.TryAddSingleton<NotificationDeliverer>();
        services.AddWebhookDelivery(sp =>
        {
            var o = sp.GetRequiredService<IOptions<NotificationsOptions>>().Value;
            return new DeliveryLimits(o.AllowPrivateNetworks, o.Timeout, o.MaxResponseBytes);
        });
        return services;
    }
}
