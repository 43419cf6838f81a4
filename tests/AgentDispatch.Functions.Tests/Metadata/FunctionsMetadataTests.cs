using System.Text.Json.Nodes;
using AgentDispatch.Testing;

namespace AgentDispatch.Functions.Tests.Metadata;

/// <summary>
/// The <c>functions.metadata</c> the build writes is what the Functions host reads to route
/// requests: these tests check the binding contract the host will see, not the attributes alone.
/// </summary>
public sealed class FunctionsMetadataTests
{
    private static readonly Lazy<JsonArray> Metadata = new(() => RepositoryFiles.FunctionsMetadata(typeof(FunctionsMetadataTests).Assembly));

    private static JsonObject Trigger(string function)
    {
        var entry = Metadata.Value.Single(f => (string)f!["name"]! == function)!;
        return entry["bindings"]!.AsArray().Single(b => ((string)b!["type"]!).EndsWith("Trigger", StringComparison.Ordinal))!.AsObject();
    }

    [Theory]
    [InlineData("Dispatch", "dispatch", "post", "Function")]
    [InlineData("Health", "health", "get", "Anonymous")]
    public void HttpFunction_HasTheExpectedRouteMethodAndAuthLevel(string function, string route, string method, string authLevel)
    {
        var trigger = Trigger(function);

        Assert.Equal("httpTrigger", (string)trigger["type"]!);
        Assert.Equal(route, (string)trigger["route"]!);
        Assert.Equal([method], trigger["methods"]!.AsArray().Select(m => (string)m!));
        Assert.Equal(authLevel, (string)trigger["authLevel"]!);
    }

    [Fact]
    public void EveryFunction_PointsAtThisAssembly()
        => Assert.All(Metadata.Value, f =>
        {
            Assert.Equal("AgentDispatch.Functions.dll", (string)f!["scriptFile"]!);
            Assert.Equal("dotnet-isolated", (string)f["language"]!);
        });

    [Fact]
    public void HttpFunctions_AreExactlyTheDocumentedOnes()
        => Assert.Equal(
            ["Dispatch", "Health"],
            Metadata.Value.Where(f => f!["bindings"]!.AsArray().Any(b => (string)b!["type"]! == "httpTrigger")).Select(f => (string)f!["name"]!).Order());
}
