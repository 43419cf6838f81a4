using System.Reflection;
using System.Text;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace AgentDispatch.DevHost.Functions;

/// <summary>
/// Finds the <c>[Function]</c> methods of the app, once, for HTTP, queue and timer alike, and refuses
/// what the dev host does not emulate: worker middleware, triggers other than HTTP, queue and timer,
/// input and output bindings, and parameters or return values it cannot bind. Under Azure those would
/// run; here they would silently not, so start-up stops instead, naming each of them.
/// </summary>
public static class FunctionIndex
{
    /// <summary>Every function among the public types of <paramref name="assembly"/>; its middleware is looked for among all of its types.</summary>
    /// <exception cref="NotSupportedException">Something the dev host does not emulate; the message names every such function and what it uses.</exception>
    public static IReadOnlyList<FunctionDescription> Discover(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return Discover(assembly.GetTypes());
    }

    /// <summary>Every function of the public types among <paramref name="types"/>, and refusal of any worker middleware among them.</summary>
    /// <exception cref="NotSupportedException">Something the dev host does not emulate; the message names every such function and what it uses.</exception>
    public static IReadOnlyList<FunctionDescription> Discover(IEnumerable<Type> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        var functions = new List<FunctionDescription>();
        var refusals = new List<string>();
        foreach (var type in types)
        {
            if (type is { IsClass: true, IsAbstract: false } && typeof(IFunctionsWorkerMiddleware).IsAssignableFrom(type))
            {
                refusals.Add(
                    $"Worker middleware {type.FullName}: the dev host runs no worker middleware (IFunctionsWorkerMiddleware), so what it does around each invocation would not happen. "
                    + "Call the logic from the functions or their services instead.");
            }

            if (!type.IsVisible)
            {
                continue;
            }

            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                if (method.GetCustomAttribute<FunctionAttribute>() is not { } function)
                {
                    continue;
                }

                var problems = new List<string>();
                var description = Describe(function.Name, method, problems);
                if (description is not null)
                {
                    problems.AddRange(CheckBindings(description));
                }

                if (problems.Count == 0)
                {
                    functions.Add(description!);
                }
                else
                {
                    refusals.AddRange(problems);
                }
            }
        }

        if (refusals.Count > 0)
        {
            var message = new StringBuilder("The dev host does not emulate everything the app uses, so it does not start (under Azure these would behave differently):");
            foreach (var refusal in refusals)
            {
                message.AppendLine().Append("  - ").Append(refusal);
            }

            throw new NotSupportedException(message.ToString());
        }

        return functions;
    }

    /// <summary>The function's one trigger, and every binding attribute that is not one the dev host emulates.</summary>
    private static FunctionDescription? Describe(string name, MethodInfo method, List<string> problems)
    {
        foreach (var attribute in method.GetCustomAttributes<BindingAttribute>(inherit: true)
                     .Concat(method.ReturnParameter.GetCustomAttributes<BindingAttribute>(inherit: true)))
        {
            problems.Add($"Function {name}: output binding [{AttributeName(attribute)}] is not emulated; the dev host has no output bindings.");
        }

        foreach (var property in UnwrapTask(method.ReturnType).GetProperties())
        {
            foreach (var attribute in property.GetCustomAttributes<BindingAttribute>(inherit: true))
            {
                problems.Add($"Function {name}: output binding [{AttributeName(attribute)}] on {property.DeclaringType!.Name}.{property.Name} is not emulated; the dev host has no output bindings.");
            }
        }

        var triggers = new List<(TriggerBindingAttribute Attribute, ParameterInfo Parameter)>();
        foreach (var parameter in method.GetParameters())
        {
            foreach (var attribute in parameter.GetCustomAttributes<BindingAttribute>(inherit: true))
            {
                if (attribute is TriggerBindingAttribute trigger)
                {
                    triggers.Add((trigger, parameter));
                }
                else
                {
                    var kind = attribute is InputBindingAttribute ? "input binding" : "binding";
                    problems.Add($"Function {name}: {kind} [{AttributeName(attribute)}] on parameter '{parameter.Name}' is not emulated; the dev host binds only the trigger.");
                }
            }
        }

        switch (triggers.Count)
        {
            case 0:
                problems.Add($"Function {name}: no trigger parameter; the dev host runs functions with one [HttpTrigger], [QueueTrigger] or [TimerTrigger].");
                return null;
            case > 1:
                problems.Add($"Function {name}: {triggers.Count} triggers ({string.Join(", ", triggers.Select(t => $"[{AttributeName(t.Attribute)}]"))}); a function has exactly one.");
                return null;
        }

        var (triggerAttribute, triggerParameter) = triggers[0];
        FunctionTriggerKind? triggerKind = triggerAttribute switch
        {
            HttpTriggerAttribute => FunctionTriggerKind.Http,
            QueueTriggerAttribute => FunctionTriggerKind.Queue,
            TimerTriggerAttribute => FunctionTriggerKind.Timer,
            _ => null,
        };
        if (triggerKind is not { } kindFound)
        {
            problems.Add(
                $"Function {name}: trigger [{AttributeName(triggerAttribute)}] on parameter '{triggerParameter.Name}' is not emulated; the dev host runs HTTP, queue and timer triggers.");
            return null;
        }

        return new FunctionDescription(name, method, kindFound, triggerAttribute, triggerParameter);
    }

    /// <summary>Parameters and return value, by the rules of the trigger's runner: the plan it would make, made once here.</summary>
    private static IEnumerable<string> CheckBindings(FunctionDescription function)
    {
        try
        {
            _ = function.Kind switch
            {
                FunctionTriggerKind.Http => (object)HttpFunctionEndpoints.CreateInvoker(function),
                FunctionTriggerKind.Queue => QueueFunction.CreateInvoker(function),
                _ => TimerFunction.CreateInvoker(function),
            };
        }
        catch (FunctionBindingException ex)
        {
            return ex.Problems;
        }

        return [];
    }

    private static Type UnwrapTask(Type type)
        => type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.GetGenericTypeDefinition() == typeof(ValueTask<>))
            ? type.GetGenericArguments()[0]
            : type;

    private static string AttributeName(Attribute attribute)
    {
        var name = attribute.GetType().Name;
        return name.EndsWith("Attribute", StringComparison.Ordinal) ? name[..^"Attribute".Length] : name;
    }
}
