using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.DevHost.Functions;

/// <summary>One timer-triggered function as the Functions host indexes it, its schedule resolved and parsed.</summary>
public sealed record TimerFunction(string Name, TimerSchedule Schedule, bool RunOnStartup, MethodInfo Method)
{
    internal const string SupportedParameters = "the [TimerTrigger] parameter as TimerInfo, and CancellationToken";

    /// <summary>Every timer-triggered function among the public types of <paramref name="assembly"/>.</summary>
    public static IReadOnlyList<TimerFunction> Discover(Assembly assembly, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return Discover(assembly.GetExportedTypes(), configuration);
    }

    /// <summary>
    /// Every timer-triggered function of <paramref name="types"/>. A missing setting, a schedule that
    /// does not parse, an unknown time zone or a parameter the dev host cannot bind fails here, at start-up.
    /// </summary>
    public static IReadOnlyList<TimerFunction> Discover(IEnumerable<Type> types, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(configuration);
        var functions = new List<TimerFunction>();
        TimeZoneInfo? timeZone = null;
        foreach (var (name, method, trigger) in TriggeredMethods.Find<TimerTriggerAttribute>(types))
        {
            timeZone ??= TimerSchedule.ResolveTimeZone(configuration);
            var expression = BindingExpressions.Resolve(name, trigger.Schedule, configuration);
            TimerSchedule schedule;
            try
            {
                schedule = TimerSchedule.Parse(expression, timeZone);
            }
            catch (FormatException ex)
            {
                throw new InvalidOperationException($"Error indexing function '{name}': {ex.Message}", ex);
            }

            var function = new TimerFunction(name, schedule, trigger.RunOnStartup, method);
            _ = function.CreateInvoker();
            functions.Add(function);
        }

        return functions;
    }

    internal FunctionInvoker<TimerInfo> CreateInvoker()
        => FunctionInvoker<TimerInfo>.Create(
            Name,
            Method,
            static parameter => parameter.ParameterType == typeof(TimerInfo) && parameter.GetCustomAttribute<TimerTriggerAttribute>() is not null
                ? static (timer, _) => timer
                : null,
            SupportedParameters);
}
