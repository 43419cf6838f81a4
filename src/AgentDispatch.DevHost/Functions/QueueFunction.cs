using System.Reflection;
using AgentDispatch.Storage;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;

namespace AgentDispatch.DevHost.Functions;

/// <summary>
/// One queue-triggered function as the Functions host indexes it: the queue name with its
/// <c>%NAME%</c> expressions resolved and lower-cased, and the connection string its
/// <c>Connection</c> setting names. A class rather than a record, so no <c>ToString</c> can print
/// the connection string and its key.
/// </summary>
public sealed class QueueFunction
{
    public const string DefaultConnection = "AzureWebJobsStorage";

    internal const string SupportedParameters = "the [QueueTrigger] parameter as QueueMessage, string or BinaryData, and CancellationToken";

    private QueueFunction(FunctionDescription description, string queueName, string connection, string connectionString)
    {
        Description = description;
        QueueName = queueName;
        Connection = connection;
        ConnectionString = connectionString;
    }

    public string Name => Description.Name;

    /// <summary>The resolved, lower-cased queue name.</summary>
    public string QueueName { get; }

    /// <summary>The name of the setting that holds the connection string (not the string itself).</summary>
    public string Connection { get; }

    public MethodInfo Method => Description.Method;

    public FunctionDescription Description { get; }

    internal string ConnectionString { get; }

    /// <summary>Every queue-triggered function among the public types of <paramref name="assembly"/>.</summary>
    public static IReadOnlyList<QueueFunction> Discover(Assembly assembly, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return Resolve(FunctionIndex.Discover(assembly), configuration);
    }

    /// <summary>
    /// Every queue-triggered function of <paramref name="types"/>. Anything the dev host does not
    /// emulate (<see cref="FunctionIndex"/>), a setting that is missing or a queue name Storage would
    /// refuse fails here, at start-up.
    /// </summary>
    public static IReadOnlyList<QueueFunction> Discover(IEnumerable<Type> types, IConfiguration configuration)
        => Resolve(FunctionIndex.Discover(types), configuration);

    /// <summary>The queue-triggered ones of <paramref name="functions"/>, their queue names and connections resolved from settings.</summary>
    public static IReadOnlyList<QueueFunction> Resolve(IEnumerable<FunctionDescription> functions, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(functions);
        ArgumentNullException.ThrowIfNull(configuration);
        var resolved = new List<QueueFunction>();
        foreach (var function in functions.Where(f => f.Kind == FunctionTriggerKind.Queue))
        {
            var name = function.Name;
            var trigger = function.TriggerAs<QueueTriggerAttribute>();
            // The host lower-cases queue names before it validates them.
            var queueName = BindingExpressions.Resolve(name, trigger.QueueName, configuration).ToLowerInvariant();
            if (!QueueNames.IsValid(queueName))
            {
                throw new InvalidOperationException(
                    $"Function {name}: '{queueName}' is not a valid queue name ({QueueNames.Rule}).");
            }

            var connection = string.IsNullOrEmpty(trigger.Connection) ? DefaultConnection : trigger.Connection;
            var connectionString = ConnectionStringFor(name, connection, configuration);
            resolved.Add(new QueueFunction(function, queueName, connection, connectionString));
        }

        return resolved;
    }

    internal FunctionInvoker<QueueTriggerInput> CreateInvoker() => CreateInvoker(Description);

    internal static FunctionInvoker<QueueTriggerInput> CreateInvoker(FunctionDescription function)
        => FunctionInvoker<QueueTriggerInput>.Create(function, BindTrigger, SupportedParameters, FunctionResult.Nothing);

    private static ParameterBinder<QueueTriggerInput>? BindTrigger(ParameterInfo parameter)
    {
        if (parameter.GetCustomAttribute<QueueTriggerAttribute>() is null)
        {
            return null;
        }

        var type = parameter.ParameterType;
        return type == typeof(QueueMessage) ? static (input, _) => input.Message
            : type == typeof(string) ? static (input, _) => input.Body.ToString()
            : type == typeof(BinaryData) ? static (input, _) => input.Body
            : null;
    }

    private static string ConnectionStringFor(string functionName, string connection, IConfiguration configuration)
    {
        // The host looks for the setting as named, then with the AzureWebJobs prefix, then among connection strings.
        var value = configuration[connection];
        if (string.IsNullOrWhiteSpace(value))
        {
            value = configuration["AzureWebJobs" + connection];
        }

        if (string.IsNullOrWhiteSpace(value))
        {
            value = configuration.GetConnectionString(connection);
        }

        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"Function {functionName}: the queue connection setting '{connection}' has no value. Set it to a Storage connection string (UseDevelopmentStorage=true for Azurite).");
        }

        try
        {
            _ = new QueueServiceClient(value);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            // The value may hold a key: name the setting, never echo it.
            throw new InvalidOperationException($"Function {functionName}: the setting '{connection}' is not a valid Storage connection string.", ex);
        }

        return value;
    }
}

/// <summary>What a queue function's parameters bind from: the message as received and its body, decoded per <c>messageEncoding</c>.</summary>
internal readonly record struct QueueTriggerInput(QueueMessage Message, BinaryData Body);
