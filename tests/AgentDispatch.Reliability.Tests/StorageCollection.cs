using AgentDispatch.Testing;

namespace AgentDispatch.Reliability.Tests;

/// <summary>The suites share one Azurite on free loopback ports and run one after another: each loads the machine on its own.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StorageCollection : ICollectionFixture<StorageFixture>
{
    public const string Name = "Reliability with Azurite";
}

public sealed class StorageFixture : IAsyncLifetime
{
    public AzuriteFixture Azurite { get; } = new();

    public string ConnectionString => Azurite.ConnectionString;

    public Task InitializeAsync() => Azurite.InitializeAsync();

    public Task DisposeAsync() => Azurite.DisposeAsync().AsTask();
}
