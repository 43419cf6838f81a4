using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Schedules;

public static class ScheduleServiceCollectionExtensions
{
    /// <summary>
    /// Recurring dispatches from the <c>Schedules:</c> settings, validated at start-up, and the
    /// <see cref="ScheduleRunner"/> the timer calls. Needs the job services of <c>AddAgentDispatchCore</c>.
    /// </summary>
    public static IServiceCollection AddSchedules(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(ScheduleRunner)))
        {
            return services;
        }

        services.AddOptions<ScheduleOptions>()
            .Configure<IConfiguration>((options, configuration) => options.ReadFrom(configuration.GetSection(ScheduleOptions.Section)))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ScheduleOptions>, ScheduleOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ScheduleRunner>();
        return services;
    }
}
