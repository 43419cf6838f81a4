using System.Reflection;

namespace AgentDispatch.DevHost.Functions;

/// <summary>Binds one parameter of a function from its trigger's input.</summary>
internal delegate object? ParameterBinder<in TTrigger>(TTrigger trigger, CancellationToken cancellationToken);

/// <summary>
/// Calls one queue- or timer-triggered function the way the Functions host does: a DI scope per
/// invocation, the function class created in it with <see cref="ActivatorUtilities"/> and disposed
/// after, the function's own exception surfacing as is.
/// </summary>
internal sealed class FunctionInvoker<TTrigger>
{
    private readonly MethodInvoker _invoker;
    private readonly ParameterBinder<TTrigger>[] _binders;
    private readonly ObjectFactory? _factory;
    private readonly Func<object?, ValueTask> _await;

    private FunctionInvoker(MethodInvoker invoker, ParameterBinder<TTrigger>[] binders, ObjectFactory? factory, Func<object?, ValueTask> await)
    {
        _invoker = invoker;
        _binders = binders;
        _factory = factory;
        _await = await;
    }

    /// <summary>Plans the call; a parameter or return type the dev host cannot serve fails here, at start-up, naming the function.</summary>
    /// <param name="bindTrigger">The binder for a parameter other than <see cref="CancellationToken"/>, or null when it cannot be bound.</param>
    /// <param name="supported">What the dev host binds, for the error message.</param>
    public static FunctionInvoker<TTrigger> Create(string functionName, MethodInfo method, Func<ParameterInfo, ParameterBinder<TTrigger>?> bindTrigger, string supported)
    {
        var binders = method.GetParameters()
            .Select(parameter => parameter.ParameterType == typeof(CancellationToken)
                ? static (_, cancellationToken) => cancellationToken
                : bindTrigger(parameter) ?? throw new NotSupportedException(
                    $"Function {functionName}: the dev host cannot bind parameter '{parameter.Name}' of type {parameter.ParameterType.Name}. It binds {supported}."))
            .ToArray();

        // Task<T> or any other result would be an output binding the dev host does not have:
        // refusing it beats silently dropping what the function returns.
        Func<object?, ValueTask> await = method.ReturnType switch
        {
            var type when type == typeof(void) => static _ => ValueTask.CompletedTask,
            var type when type == typeof(Task) => static returned => new ValueTask((Task)returned!),
            var type when type == typeof(ValueTask) => static returned => (ValueTask)returned!,
            var type => throw new NotSupportedException(
                $"Function {functionName}: the dev host runs queue and timer functions that return void, Task or ValueTask, not {type.Name}."),
        };

        var factory = method.IsStatic ? null : ActivatorUtilities.CreateFactory(method.DeclaringType!, Type.EmptyTypes);
        return new FunctionInvoker<TTrigger>(MethodInvoker.Create(method), binders, factory, await);
    }

    public async Task InvokeAsync(IServiceProvider services, TTrigger trigger, CancellationToken cancellationToken)
    {
        var scope = services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var instance = _factory?.Invoke(scope.ServiceProvider, null);
            try
            {
                var arguments = new object?[_binders.Length];
                for (var i = 0; i < _binders.Length; i++)
                {
                    arguments[i] = _binders[i](trigger, cancellationToken);
                }

                // MethodInvoker throws the function's own exception, not a TargetInvocationException.
                var returned = _invoker.Invoke(instance, new Span<object?>(arguments));
                await _await(returned).ConfigureAwait(false);
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
    }
}
