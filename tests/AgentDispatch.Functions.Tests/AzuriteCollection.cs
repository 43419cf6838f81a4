using AgentDispatch.Testing;

namespace AgentDispatch.Functions.Tests;

/// <summary>One Azurite, on free loopback ports, for every test class in the collection.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteCollectionFixture>
{
    public const string Name = "Azurite";
}

public sealed class AzuriteCollectionFixture : IAsyncLifetime
{
    public AzuriteFixture Fixture { get; } = new();

    public Task InitializeAsync() => Fixture.InitializeAsync();

    public async Task DisposeAsync() => await Fixture.DisposeAsync();
}
