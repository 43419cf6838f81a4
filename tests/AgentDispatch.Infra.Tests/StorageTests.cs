using AgentDispatch.Infra.Tests.Arm;
using AgentDispatch.Storage;

namespace AgentDispatch.Infra.Tests;

/// <summary>The storage account: no shared keys, TLS 1.2, no public blobs; the queues and the ledger the settings name.</summary>
public sealed class StorageTests
{
    private readonly InfraDeployment _deployment = InfraDeployment.Default();

    [Fact]
    public void Account_RefusesSharedKeysPlainHttpOldTlsAndPublicBlobs()
    {
        var account = _deployment.StorageAccount;

        Assert.Equal(false, account.Get("properties.allowSharedKeyAccess"));
        Assert.Equal(true, account.Get("properties.defaultToOAuthAuthentication"));
        Assert.Equal("TLS1_2", account.Get("properties.minimumTlsVersion"));
        Assert.Equal(true, account.Get("properties.supportsHttpsTrafficOnly"));
        Assert.Equal(false, account.Get("properties.allowBlobPublicAccess"));
    }

    [Theory]
    [InlineData("agd")]
    [InlineData("Longest")]
    public void AccountName_FitsStorageRules(string namePrefix)
    {
        var name = InfraDeployment.NameOf(InfraDeployment.With("namePrefix", namePrefix).StorageAccount);

        Assert.InRange(name.Length, 3, 24);
        Assert.All(name, c => Assert.True(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c), $"'{c}' in the storage account name {name}"));
    }

    [Fact]
    public void Queues_AreTheRequestsWakeNotificationAndMailboxQueuesAndTheirPoisonQueues()
    {
        var settings = _deployment.AppSettings;
        var requests = Assert.IsType<string>(settings[QueueNames.RequestsSetting]);
        var wake = Assert.IsType<string>(settings[QueueNames.WakeSetting]);
        var notifications = Assert.IsType<string>(settings[QueueNames.NotificationsSetting]);
        var mailboxes = Assert.IsType<string>(settings[AgentDispatch.Microsoft365.MailboxWorkQueue.Setting]);

        var queues = _deployment.OfType("Microsoft.Storage/storageAccounts/queueServices/queues").Select(InfraDeployment.ShortNameOf);

        Assert.Equal(
            new[] { requests, requests + "-poison", wake, wake + "-poison", notifications, notifications + "-poison", mailboxes, mailboxes + "-poison" }.Order(StringComparer.Ordinal),
            queues.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Queues_FollowTheQueueNameParameters()
    {
        var deployment = InfraDeployment.With(new Dictionary<string, object?>
        {
            ["requestsQueueName"] = "other-requests",
            ["wakeQueueName"] = "other-wake",
        });

        var queues = deployment.OfType("Microsoft.Storage/storageAccounts/queueServices/queues").Select(InfraDeployment.ShortNameOf).ToList();

        Assert.Equal("other-requests", deployment.AppSettings[QueueNames.RequestsSetting]);
        Assert.Equal("other-wake", deployment.AppSettings[QueueNames.WakeSetting]);
        Assert.Contains("other-requests-poison", queues);
        Assert.Contains("other-wake-poison", queues);
    }

    private static readonly string[] TableSettings = ["Jobs__LedgerTable", "Jobs__IndexTable", "Jobs__TimelineTable", "Notifications__FailedTable", "Sources__Table", "Microsoft365__StateTable"];

    [Fact]
    public void Tables_AreTheLedgerItsIndexesTheNotificationDeadLettersAndTheMailboxStateTheSettingsName()
    {
        var tables = _deployment.OfType("Microsoft.Storage/storageAccounts/tableServices/tables").Select(InfraDeployment.ShortNameOf);

        Assert.Equal(
            TableSettings.Select(setting => (string)_deployment.AppSettings[setting]!).Order(StringComparer.Ordinal),
            tables.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void QueuesTableAndContainer_AreInTheAccountTheHostUses()
    {
        var account = InfraDeployment.NameOf(_deployment.StorageAccount);
        var children = _deployment.Resources.Where(r => r.Type.StartsWith("Microsoft.Storage/storageAccounts/", StringComparison.OrdinalIgnoreCase));

        Assert.Equal(account, _deployment.AppSettings["AzureWebJobsStorage__accountName"]);
        Assert.All(children, child => Assert.StartsWith(account + "/", InfraDeployment.NameOf(child), StringComparison.Ordinal));
    }
}
