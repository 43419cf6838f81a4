using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using AgentDispatch.Functions.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.DevHost.Functions;

/// <summary>One HTTP-triggered function as the Functions host would route it.</summary>
public sealed record HttpFunctionRoute(string Name, string Route, IReadOnlyList<string> Methods, AuthorizationLevel AuthLevel, MethodInfo Method);

/// <summary>
/// Serves the app's HTTP-triggered function classes on ASP.NET Core routing, the way the Functions
/// host does: the route, methods and auth level come from each function's own <c>[HttpTrigger]</c>,
/// the class is created per call from the app's container, and its <see cref="IResult"/> is executed.
/// Nothing of a function's logic is repeated here.
/// </summary>
public static partial class HttpFunctionEndpoints
{
    /// <summary>Every HTTP-triggered function in <paramref name="assembly"/>, with its full route.</summary>
    public static IReadOnlyList<HttpFunctionRoute> Discover(Assembly assembly, string routePrefix)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var routes = new List<HttpFunctionRoute>();
        foreach (var type in assembly.GetExportedTypes())
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                if (method.GetCustomAttribute<FunctionAttribute>() is not { } function)
                {
                    continue;
                }

                var trigger = method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null);
                if (trigger is null)
                {
                    continue;
                }

                var route = string.IsNullOrEmpty(routePrefix)
                    ? "/" + (trigger.Route ?? function.Name)
                    : $"/{routePrefix}/{trigger.Route ?? function.Name}";
                var methods = trigger.Methods is { Length: > 0 } m ? m.Select(x => x.ToUpperInvariant()).ToArray() : [];
                routes.Add(new HttpFunctionRoute(function.Name, route, methods, trigger.AuthLevel, method));
            }
        }

        return routes;
    }

    /// <summary>Maps each route; a function whose parameters cannot be bound here fails at start-up, not on its first call.</summary>
    public static void Map(IEndpointRouteBuilder endpoints, IReadOnlyList<HttpFunctionRoute> routes, string? functionKey)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(routes);
        foreach (var route in routes)
        {
            var invoke = CreateInvoker(route);
            var requireKey = route.AuthLevel != AuthorizationLevel.Anonymous && !string.IsNullOrEmpty(functionKey);
            var keyBytes = Encoding.UTF8.GetBytes(functionKey ?? string.Empty);
            RequestDelegate handler = async context =>
            {
                if (requireKey && !HasKey(context.Request, keyBytes))
                {
                    await Problems.Status(
                        StatusCodes.Status401Unauthorized, "function-key", "A function key is required.",
                        "Send the function key in the x-functions-key header or the code query parameter.").ExecuteAsync(context).ConfigureAwait(false);
                    return;
                }

                var result = await invoke(context).ConfigureAwait(false);
                await result.ExecuteAsync(context).ConfigureAwait(false);
            };

            var builder = route.Methods.Count == 0
                ? endpoints.Map(route.Route, handler)
                : endpoints.MapMethods(route.Route, route.Methods, handler);
            builder.WithDisplayName(route.Name);
        }
    }

    private static bool HasKey(HttpRequest request, byte[] expected)
    {
        var given = request.Headers["x-functions-key"].FirstOrDefault() ?? request.Query["code"].FirstOrDefault();
        return given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), expected);
    }

    private static Func<HttpContext, Task<IResult>> CreateInvoker(HttpFunctionRoute route)
    {
        var method = route.Method;
        var invoker = MethodInvoker.Create(method);
        var binders = method.GetParameters().Select(p => CreateBinder(route, p)).ToArray();
        var factory = method.IsStatic ? null : ActivatorUtilities.CreateFactory(method.DeclaringType!, Type.EmptyTypes);
        var unwrap = ResultUnwrapper(route);

        return async context =>
        {
            var instance = factory?.Invoke(context.RequestServices, null);
            try
            {
                var arguments = new object?[binders.Length];
                for (var i = 0; i < binders.Length; i++)
                {
                    arguments[i] = binders[i](context);
                }

                // MethodInvoker throws the function's own exception, not a TargetInvocationException.
                var returned = invoker.Invoke(instance, new Span<object?>(arguments));
                return await unwrap(returned).ConfigureAwait(false);
            }
            finally
            {
                switch (instance)
                {
                    case IAsyncDisposable asyncDisposable:
                        await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                        break;
                    case IDisposable disposable:
                        disposable.Dispose();
                        break;
                }
            }
        };
    }

    private static Func<HttpContext, object?> CreateBinder(HttpFunctionRoute route, ParameterInfo parameter)
    {
        if (parameter.ParameterType == typeof(HttpRequest))
        {
            return static context => context.Request;
        }

        if (parameter.ParameterType == typeof(CancellationToken))
        {
            // As in the isolated worker, the token is the invocation's (host shutdown), not the client's
            // connection: a caller hanging up must not cut off a dispatch already on its way to VideoSDK.
            return static context => context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        }

        if (parameter.ParameterType == typeof(string) && route.Route.Contains('{' + parameter.Name!, StringComparison.OrdinalIgnoreCase))
        {
            var name = parameter.Name!;
            return context => context.Request.RouteValues[name] as string;
        }

        throw new NotSupportedException(
            $"Function {route.Name}: the dev host cannot bind parameter '{parameter.Name}' of type {parameter.ParameterType.Name}. "
            + "It binds HttpRequest, CancellationToken and string route values.");
    }

    private static Func<object?, Task<IResult>> ResultUnwrapper(HttpFunctionRoute route)
    {
        var type = route.Method.ReturnType;
        if (typeof(IResult).IsAssignableFrom(type))
        {
            return static returned => Task.FromResult((IResult)returned!);
        }

        if (type == typeof(Task<IResult>))
        {
            return static returned => (Task<IResult>)returned!;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>) && typeof(IResult).IsAssignableFrom(type.GetGenericArguments()[0]))
        {
            return static async returned =>
            {
                var task = (Task)returned!;
                await task.ConfigureAwait(false);
                return (IResult)task.GetType().GetProperty(nameof(Task<IResult>.Result))!.GetValue(task)!;
            };
        }

        throw new NotSupportedException($"Function {route.Name}: the dev host runs HTTP functions that return IResult or Task<IResult>, not {type.Name}.");
    }
}
