using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.DevHost.Functions;

/// <summary>One timer-triggered function as the Functions host indexes it, its schedule resolved and parsed.</summary>
public sealed record TimerFunction(FunctionDescription Description, TimerSchedule Schedule, bool RunOnStartup)
{
    internal const string SupportedParameters = "the [TimerTrigger] parameter as TimerInfo, and CancellationToken";

    public string Name => Description.Name;

    public MethodInfo Method => Description.Method;

    /// <summary>Every timer-triggered function among the public types of <paramref name="assembly"/>.</summary>
    public static IReadOnlyList<TimerFunction> Discover(Assembly assembly, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return Resolve(FunctionIndex.Discover(assembly), configuration);
    }

    /// <summary>
    /// Every timer-triggered function of <paramref name="types"/>. Anything the dev host does not
    /// emulate (<see cref="FunctionIndex"/>), a missing setting, a schedule that does not parse or an
    /// unknown time zone fails here, at start-up.
    /// </summary>
    public static IReadOnlyList<TimerFunction> Discover(IEnumerable<Type> types, IConfiguration configuration)
        => Resolve(FunctionIndex.Discover(types), configuration);

    /// <summary>The timer-triggered ones of <paramref name="functions"/>, their schedules resolved from settings and parsed.</summary>
    public static IReadOnlyList<TimerFunction> Resolve(IEnumerable<FunctionDescription> functions, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(functions);
        ArgumentNullException.ThrowIfNull(configuration);
        var resolved = new List<TimerFunction>();
        TimeZoneInfo? timeZone = null;
        foreach (var function in functions.Where(f => f.Kind == FunctionTriggerKind.Timer))
        {
            var trigger = function.TriggerAs<TimerTriggerAttribute>();
            timeZone ??= TimerSchedule.ResolveTimeZone(configuration);
            var expression = BindingExpressions.Resolve(function.Name, trigger.Schedule, configuration);
            TimerSchedule schedule;
            try
            {
                schedule = TimerSchedule.Parse(expression, timeZone);
            }
            catch (FormatException ex)
            {
                throw new InvalidOperationException($"Error indexing function '{function.Name}': {ex.Message}", ex);
            }

            resolved.Add(new TimerFunction(function, schedule, trigger.RunOnStartup));
        }

        return resolved;
    }

    internal FunctionInvoker<TimerInfo> CreateInvoker() => CreateInvoker(Description);

    internal static FunctionInvoker<TimerInfo> CreateInvoker(FunctionDescription function)
        => FunctionInvoker<TimerInfo>.Create(
            function,
            static parameter => parameter.ParameterType == typeof(TimerInfo) && parameter.GetCustomAttribute<TimerTriggerAttribute>() is not null
                ? static (timer, _) => timer
                : null,
            SupportedParameters,
            FunctionResult.Nothing);
}
