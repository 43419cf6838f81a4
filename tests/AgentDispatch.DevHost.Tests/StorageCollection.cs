using AgentDispatch.Testing;

namespace AgentDispatch.DevHost.Tests;

/// <summary>
/// Every dev host test runs in this collection and shares one Azurite on free loopback ports: one
/// node process for the whole run, and never the developer's 10000-10002.
/// </summary>
[CollectionDefinition(Name)]
public sealed class StorageCollection : ICollectionFixture<StorageFixture>
{
    public const string Name = "Dev host with Azurite";
}

/// <summary>xUnit's lifetime around the shared <see cref="AzuriteFixture"/>.</summary>
public sealed class StorageFixture : IAsyncLifetime
{
    public AzuriteFixture Azurite { get; } = new();

    public string ConnectionString => Azurite.ConnectionString;

    public Task InitializeAsync() => Azurite.InitializeAsync();

    public Task DisposeAsync() => Azurite.DisposeAsync().AsTask();
}
