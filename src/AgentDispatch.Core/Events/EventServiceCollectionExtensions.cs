using AgentDispatch.Events.Routing;
using AgentDispatch.Jobs;
using AgentDispatch.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Events;

public static class EventServiceCollectionExtensions
{
    /// <summary>Event sources: routing rules, meeting-id rules, the processor and the webhook receiver, all validated at start-up.</summary>
    public static IServiceCollection AddMeetingEvents(this IServiceCollection services)
    {
        services.AddOptions<RoutingOptions>().BindConfiguration(RoutingOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RoutingOptions>, RoutingOptionsValidator>();
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();

        services.TryAddSingleton<Router>();
        services.TryAddSingleton<MeetingIdFinder>();
        services.TryAddSingleton<SourceJobs>();
        services.TryAddSingleton<MeetingEventProcessor>();
        services.TryAddSingleton<WebhookSecrets>();
        services.TryAddSingleton<WebhookReceiver>();
        return services;
    }
}
