using System.Reflection;
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace AgentDispatch.DevHost.Functions;

/// <summary>The triggers the dev host emulates.</summary>
public enum FunctionTriggerKind
{
    Http,
    Queue,
    Timer,
}

/// <summary>
/// One <c>[Function]</c> method as <see cref="FunctionIndex"/> found it: its name, method, trigger
/// (kind, attribute and the parameter carrying it) and all of its parameters.
/// </summary>
public sealed record FunctionDescription(string Name, MethodInfo Method, FunctionTriggerKind Kind, TriggerBindingAttribute Trigger, ParameterInfo TriggerParameter)
{
    public IReadOnlyList<ParameterInfo> Parameters { get; } = Method.GetParameters();

    /// <summary>The trigger attribute as its own type; the caller knows the <see cref="Kind"/>.</summary>
    public TAttribute TriggerAs<TAttribute>()
        where TAttribute : TriggerBindingAttribute
        => (TAttribute)Trigger;
}
