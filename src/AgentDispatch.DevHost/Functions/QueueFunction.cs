using System.Reflection;
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

    private QueueFunction(string name, string queueName, string connection, string connectionString, MethodInfo method)
    {
        Name = name;
        QueueName = queueName;
        Connection = connection;
        ConnectionString = connectionString;
        Method = method;
    }

    public string Name { get; }

    /// <summary>The resolved, lower-cased queue name.</summary>
    public string QueueName { get; }

    /// <summary>The name of the setting that holds the connection string (not the string itself).</summary>
    public string Connection { get; }

    public MethodInfo Method { get; }

    internal string ConnectionString { get; }

    /// <summary>Every queue-triggered function among the public types of <paramref name="assembly"/>.</summary>
    public static IReadOnlyList<QueueFunction> Discover(Assembly assembly, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return Discover(assembly.GetExportedTypes(), configuration);
    }

    /// <summary>
    /// Every queue-triggered function of <paramref name="types"/>. A setting that is missing, a queue
    /// name Storage would refuse or a parameter the dev host cannot bind fails here, at start-up.
    /// </summary>
    public static IReadOnlyList<QueueFunction> Discover(IEnumerable<Type> types, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(configuration);
        var functions = new List<QueueFunction>();
        foreach (var (name, method, trigger) in TriggeredMethods.Find<QueueTriggerAttribute>(types))
        {
            // The host lower-cases queue names before it validates them.
            var queueName = BindingExpressions.Resolve(name, trigger.QueueName, configuration).ToLowerInvariant();
            if (!IsValidQueueName(queueName))
            {
                throw new InvalidOperationException(
                    $"Function {name}: '{queueName}' is not a valid queue name (3-63 lower-case letters, digits and single dashes, starting and ending with a letter or digit).");
            }

            var connection = string.IsNullOrEmpty(trigger.Connection) ? DefaultConnection : trigger.Connection;
            var connectionString = ConnectionStringFor(name, connection, configuration);
            var function = new QueueFunction(name, queueName, connection, connectionString, method);
            _ = function.CreateInvoker();
            functions.Add(function);
        }

        return functions;
    }

    internal FunctionInvoker<QueueTriggerInput> CreateInvoker()
        => FunctionInvoker<QueueTriggerInput>.Create(Name, Method, BindTrigger, SupportedParameters);

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

    private static bool IsValidQueueName(string name)
        => name.Length is >= 3 and <= 63
           && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
           && name[0] != '-' && name[^1] != '-'
           && !name.Contains("--", StringComparison.Ordinal);
}

/// <summary>What a queue function's parameters bind from: the message as received and its body, decoded per <c>messageEncoding</c>.</summary>
internal readonly record struct QueueTriggerInput(QueueMessage Message, BinaryData Body);

/// <summary>Finds <c>[Function]</c> methods whose parameters carry a trigger attribute of one kind.</summary>
internal static class TriggeredMethods
{
    public static IEnumerable<(string Name, MethodInfo Method, TAttribute Trigger)> Find<TAttribute>(IEnumerable<Type> types)
        where TAttribute : Attribute
    {
        foreach (var type in types)
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                if (method.GetCustomAttribute<FunctionAttribute>() is not { } function)
                {
                    continue;
                }

                var trigger = method.GetParameters().Select(p => p.GetCustomAttribute<TAttribute>()).FirstOrDefault(a => a is not null);
                if (trigger is not null)
                {
                    yield return (function.Name, method, trigger);
                }
            }
        }
    }
}
