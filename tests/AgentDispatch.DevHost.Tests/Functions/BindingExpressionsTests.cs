using AgentDispatch.DevHost.Functions;
using static AgentDispatch.DevHost.Tests.Functions.RunnerTesting;

namespace AgentDispatch.DevHost.Tests.Functions;

public sealed class BindingExpressionsTests
{
    [Theory]
    [InlineData("%QUEUE%", "jobs")]
    [InlineData("%ENV%-%QUEUE%", "dev-jobs")]
    [InlineData("literal-name", "literal-name")]
    public void Resolve_ReplacesEverySetting(string expression, string expected)
        => Assert.Equal(expected, BindingExpressions.Resolve("F", expression, AppSettings(("QUEUE", "jobs"), ("ENV", "dev"))));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Resolve_MissingOrEmptySetting_UsesTheHostsWording(string? value)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => BindingExpressions.Resolve("MyFunction", "%MY_QUEUE%", AppSettings(("MY_QUEUE", value))));

        Assert.Equal("Error indexing function 'MyFunction': '%MY_QUEUE%' does not resolve to a value.", ex.Message);
    }
}
