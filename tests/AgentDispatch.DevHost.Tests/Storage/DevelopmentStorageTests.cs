using AgentDispatch.DevHost.Storage;

namespace AgentDispatch.DevHost.Tests.Storage;

/// <summary>What the dev host does for AzureWebJobsStorage, decided without touching the real 10000-10002.</summary>
public sealed class DevelopmentStorageTests
{
    [Fact]
    public void DevelopmentStorage_NothingListening_StartsAzurite()
        => Assert.Equal(DevelopmentStorageAction.StartAzurite, DevelopmentStorage.Decide("UseDevelopmentStorage=true", _ => false));

    [Fact]
    public void DevelopmentStorage_QueueAndTableListening_UsesThem()
    {
        var probed = new List<int>();

        var action = DevelopmentStorage.Decide("UseDevelopmentStorage=true", port =>
        {
            probed.Add(port);
            return true;
        });

        Assert.Equal(DevelopmentStorageAction.UseRunningEmulator, action);
        Assert.Equal([10001, 10002], probed);
    }

    [Fact]
    public void DevelopmentStorage_OnlyQueueListening_StartsAzurite()
        => Assert.Equal(DevelopmentStorageAction.StartAzurite, DevelopmentStorage.Decide("UseDevelopmentStorage=true", port => port == 10001));

    [Theory]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=a2V5;EndpointSuffix=core.windows.net")]
    [InlineData("UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://127.0.0.1")]
    [InlineData(null)]
    public void AnyOtherValue_IsUsedAsConfigured_WithoutProbing(string? connectionString)
        => Assert.Equal(DevelopmentStorageAction.UseAsConfigured, DevelopmentStorage.Decide(connectionString, _ => throw new InvalidOperationException("no probe expected")));

    [Fact]
    public void FindPackageRoot_WalksUpFromAnOutputFolderToPackageJson()
    {
        var root = Directory.CreateTempSubdirectory("devhost-pkg-");
        try
        {
            File.WriteAllText(Path.Combine(root.FullName, "package.json"), "{}");
            var output = Directory.CreateDirectory(Path.Combine(root.FullName, "src", "app", "bin"));

            Assert.Equal(root.FullName, DevelopmentStorage.FindPackageRoot(output.FullName));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
