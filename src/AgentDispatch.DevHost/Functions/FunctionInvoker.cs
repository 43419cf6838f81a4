using System.Diagnostics;
using System.Reflection;

namespace AgentDispatch.DevHost.Functions;

/// <summary>Binds one parameter of a function from its trigger's input.</summary>
internal delegate object? ParameterBinder<in TTrigger>(TTrigger trigger, CancellationToken cancellationToken);

/// <summary>What a function may return under its trigger: nothing (queue, timer), or an HTTP result.</summary>
internal enum FunctionResult
{
    Nothing,
    HttpResult,
}

/// <summary>Parameters or a return value the dev host cannot serve, each named with its function.</summary>
internal sealed class FunctionBindingException(IReadOnlyList<string> problems) : NotSupportedException(string.Join(" ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// Calls one function the way the Functions host does, for every trigger: the function class created
/// from the invocation's DI scope with <see cref="ActivatorUtilities"/> and disposed after, each
/// parameter bound from the trigger's input (a <see cref="CancellationToken"/> is the invocation's),
/// the result awaited, the function's own exception surfacing as is.
/// </summary>
internal sealed class FunctionInvoker<TTrigger>
{
    private readonly FunctionDescription _function;
    private readonly MethodInvoker _invoker;
    private readonly ParameterBinder<TTrigger>[] _binders;
    private readonly ObjectFactory? _factory;
    private readonly Func<object?, ValueTask<object?>> _await;

    private FunctionInvoker(FunctionDescription function, MethodInvoker invoker, ParameterBinder<TTrigger>[] binders, ObjectFactory? factory, Func<object?, ValueTask<object?>> await)
    {
        _function = function;
        _invoker = invoker;
        _binders = binders;
        _factory = factory;
        _await = await;
    }

    /// <summary>Plans the call; a parameter or return type the dev host cannot serve fails here, at start-up, naming the function.</summary>
    /// <param name="bindParameter">The binder for a parameter other than <see cref="CancellationToken"/>, or null when it cannot be bound.</param>
    /// <param name="supported">What the dev host binds for this trigger, for the error message.</param>
    /// <exception cref="FunctionBindingException">Every parameter and the return type that cannot be served.</exception>
    public static FunctionInvoker<TTrigger> Create(
        FunctionDescription function, Func<ParameterInfo, ParameterBinder<TTrigger>?> bindParameter, string supported, FunctionResult result)
    {
        ArgumentNullException.ThrowIfNull(function);
        var problems = new List<string>();
        var binders = new ParameterBinder<TTrigger>[function.Parameters.Count];
        for (var i = 0; i < binders.Length; i++)
        {
            var parameter = function.Parameters[i];
            var binder = parameter.ParameterType == typeof(CancellationToken)
                ? static (_, cancellationToken) => cancellationToken
                : bindParameter(parameter);
            if (binder is null)
            {
                problems.Add($"Function {function.Name}: the dev host cannot bind parameter '{parameter.Name}' of type {parameter.ParameterType.Name}. It binds {supported}.");
            }
            else
            {
                binders[i] = binder;
            }
        }

        var await = result == FunctionResult.Nothing ? AwaitNothing(function.Method.ReturnType) : AwaitHttpResult(function.Method.ReturnType);
        if (await is null)
        {
            // Anything else would be an output binding the dev host does not have: refusing it beats
            // silently dropping what the function returns.
            problems.Add(result == FunctionResult.Nothing
                ? $"Function {function.Name}: the dev host runs queue and timer functions that return void, Task or ValueTask, not {function.Method.ReturnType.Name}."
                : $"Function {function.Name}: the dev host runs HTTP functions that return IResult or Task<IResult>, not {function.Method.ReturnType.Name}.");
        }

        if (problems.Count > 0)
        {
            throw new FunctionBindingException(problems);
        }

        var method = function.Method;
        var factory = method.IsStatic ? null : ActivatorUtilities.CreateFactory(method.DeclaringType!, Type.EmptyTypes);
        return new FunctionInvoker<TTrigger>(function, MethodInvoker.Create(method), binders, factory, await!);
    }

    /// <summary>One invocation in a DI scope of its own, as queue and timer invocations get.</summary>
    public async Task<object?> InvokeAsync(IServiceProvider services, TTrigger trigger, CancellationToken cancellationToken)
    {
        var scope = services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            return await InvokeInScopeAsync(scope.ServiceProvider, trigger, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One invocation in a scope the caller owns: an HTTP request's, which lives until its response is written.</summary>
    public async Task<object?> InvokeInScopeAsync(IServiceProvider scopedServices, TTrigger trigger, CancellationToken cancellationToken)
    {
        using var activity = FunctionActivities.StartInvocation(_function);
        var instance = _factory?.Invoke(scopedServices, null);
        try
        {
            var arguments = new object?[_binders.Length];
            for (var i = 0; i < _binders.Length; i++)
            {
                arguments[i] = _binders[i](trigger, cancellationToken);
            }

            // MethodInvoker throws the function's own exception, not a TargetInvocationException.
            var returned = _invoker.Invoke(instance, new Span<object?>(arguments));
            return await _await(returned).ConfigureAwait(false);
        }
        catch (Exception ex) when (activity is not null)
        {
            activity.AddException(ex).SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            throw;
        }
        finally
        {
            // ActivatorUtilities instances are not owned by the scope: dispose them here.
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
    }

    private static Func<object?, ValueTask<object?>>? AwaitNothing(Type type)
        => type == typeof(void) ? static _ => ValueTask.FromResult<object?>(null)
            : type == typeof(Task) ? static async returned =>
            {
                await ((Task)returned!).ConfigureAwait(false);
                return null;
            }
            : type == typeof(ValueTask) ? static async returned =>
            {
                await ((ValueTask)returned!).ConfigureAwait(false);
                return null;
            }
            : null;

    private static Func<object?, ValueTask<object?>>? AwaitHttpResult(Type type)
    {
        if (typeof(IResult).IsAssignableFrom(type))
        {
            return static returned => ValueTask.FromResult(returned);
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>) && typeof(IResult).IsAssignableFrom(type.GetGenericArguments()[0]))
        {
            var result = type.GetProperty(nameof(Task<IResult>.Result))!;
            return async returned =>
            {
                var task = (Task)returned!;
                await task.ConfigureAwait(false);
                return result.GetValue(task);
            };
        }

        return null;
    }
}
