using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace AgentDispatch.Storage;

/// <summary>
/// Clients for the <c>AzureWebJobsStorage</c> account, the same one the Functions host uses: a
/// connection string (locally, Azurite), or the identity-based form Azure uses when shared keys are
/// off (<c>AzureWebJobsStorage__accountName</c> or <c>__queueServiceUri</c>/<c>__tableServiceUri</c>,
/// with <c>__credential=managedidentity</c> and <c>__clientId</c>).
/// </summary>
public sealed class StorageClients
{
    public const string ConnectionName = "AzureWebJobsStorage";

    public StorageClients(QueueServiceClient queues, TableServiceClient tables)
    {
        Queues = queues;
        Tables = tables;
    }

    public QueueServiceClient Queues { get; }

    public TableServiceClient Tables { get; }

    public static StorageClients Create(IConfiguration configuration, Func<string?, TokenCredential> credentialFor)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(credentialFor);
        // Plain-text messages: host.json sets "messageEncoding": "none" to match.
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };

        var connectionString = configuration[ConnectionName];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            if (connectionString.TrimStart().StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"{ConnectionName} holds an unresolved Key Vault reference (@Microsoft.KeyVault(...)).");
            }

            return new StorageClients(new QueueServiceClient(connectionString, queueOptions), new TableServiceClient(connectionString));
        }

        var section = configuration.GetSection(ConnectionName);
        var account = section["accountName"];
        var queueUri = section["queueServiceUri"] ?? (account is null ? null : $"https://{account}.queue.core.windows.net");
        var tableUri = section["tableServiceUri"] ?? (account is null ? null : $"https://{account}.table.core.windows.net");
        if (queueUri is null || tableUri is null)
        {
            throw new InvalidOperationException(
                $"{ConnectionName} is not set: give a connection string (UseDevelopmentStorage=true for Azurite), or "
                + $"{ConnectionName}__accountName (or __queueServiceUri and __tableServiceUri) for an identity-based connection.");
        }

        var clientId = string.Equals(section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase) ? section["clientId"] : null;
        var credential = credentialFor(clientId);
        return new StorageClients(new QueueServiceClient(new Uri(queueUri), credential, queueOptions), new TableServiceClient(new Uri(tableUri), credential));
    }
}
