using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using AgentDispatch.Functions.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.DevHost.Functions;

/// <summary>One HTTP-triggered function as the Functions host would route it.</summary>
public sealed record HttpFunctionRoute(FunctionDescription Function, string Route, IReadOnlyList<string> Methods, AuthorizationLevel AuthLevel)
{
    public string Name => Function.Name;

    public MethodInfo Method => Function.Method;
}

/// <summary>
/// Serves the app's HTTP-triggered function classes on ASP.NET Core routing, the way the Functions
/// host does: the route, methods and auth level come from each function's own <c>[HttpTrigger]</c>,
/// the class is created per call from the app's container, and its <see cref="IResult"/> is executed.
/// Nothing of a function's logic is repeated here.
/// </summary>
public static partial class HttpFunctionEndpoints
{
    internal const string SupportedParameters = "HttpRequest, CancellationToken and string route values";

    /// <summary>Every HTTP-triggered function in <paramref name="assembly"/>, with its full route.</summary>
    public static IReadOnlyList<HttpFunctionRoute> Discover(Assembly assembly, string routePrefix)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return Routes(FunctionIndex.Discover(assembly), routePrefix);
    }

    /// <summary>The HTTP-triggered ones of <paramref name="functions"/>, with their full routes.</summary>
    public static IReadOnlyList<HttpFunctionRoute> Routes(IEnumerable<FunctionDescription> functions, string routePrefix)
    {
        ArgumentNullException.ThrowIfNull(functions);
        var routes = new List<HttpFunctionRoute>();
        foreach (var function in functions.Where(f => f.Kind == FunctionTriggerKind.Http))
        {
            var trigger = function.TriggerAs<HttpTriggerAttribute>();
            var route = string.IsNullOrEmpty(routePrefix)
                ? "/" + (trigger.Route ?? function.Name)
                : $"/{routePrefix}/{trigger.Route ?? function.Name}";
            var methods = trigger.Methods is { Length: > 0 } m ? m.Select(x => x.ToUpperInvariant()).ToArray() : [];
            routes.Add(new HttpFunctionRoute(function, route, methods, trigger.AuthLevel));
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
            var invoker = CreateInvoker(route.Function);
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

                // The request's services are the invocation's scope: it lasts until the result has been written.
                // As in the isolated worker, the token is the invocation's (host shutdown), not the client's
                // connection: a caller hanging up must not cut off a dispatch already on its way to VideoSDK.
                var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
                var result = (IResult)(await invoker.InvokeInScopeAsync(context.RequestServices, context, stopping).ConfigureAwait(false))!;
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

    internal static FunctionInvoker<HttpContext> CreateInvoker(FunctionDescription function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var route = function.TriggerAs<HttpTriggerAttribute>().Route ?? function.Name;
        return FunctionInvoker<HttpContext>.Create(function, parameter => BindParameter(route, parameter), SupportedParameters, FunctionResult.HttpResult);
    }

    private static ParameterBinder<HttpContext>? BindParameter(string route, ParameterInfo parameter)
    {
        if (parameter.ParameterType == typeof(HttpRequest))
        {
            return static (context, _) => context.Request;
        }

        if (parameter.ParameterType == typeof(string) && route.Contains('{' + parameter.Name!, StringComparison.OrdinalIgnoreCase))
        {
            var name = parameter.Name!;
            return (context, _) => context.Request.RouteValues[name] as string;
        }

        return null;
    }
}
