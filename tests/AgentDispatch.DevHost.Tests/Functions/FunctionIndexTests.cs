using AgentDispatch.DevHost.Functions;
using AgentDispatch.Functions;
using AgentDispatch.Testing;

namespace AgentDispatch.DevHost.Tests.Functions;

/// <summary>One discovery for every trigger, and refusal, at start-up, of what the dev host does not emulate.</summary>
public sealed class FunctionIndexTests
{
    [Fact]
    public void Discover_TheApp_FindsEveryFunctionOfFunctionsMetadata_AndRefusesNone()
    {
        var fromMetadata = RepositoryFiles.FunctionsMetadata(typeof(FunctionIndexTests).Assembly)
            .Select(f => $"{(string)f!["name"]!} {(string)f["bindings"]!.AsArray().Single(b => ((string)b!["type"]!).EndsWith("Trigger", StringComparison.Ordinal))!["type"]!}")
            .Order();

        var discovered = FunctionIndex.Discover(typeof(AgentDispatchApp).Assembly)
            .Select(f => $"{f.Name} {char.ToLowerInvariant(f.Kind.ToString()[0])}{f.Kind.ToString()[1..]}Trigger")
            .Order();

        Assert.Equal(fromMetadata, discovered);
    }

    [Fact]
    public void Discover_DescribesTheTriggerAndParameters()
    {
        var function = Assert.Single(FunctionIndex.Discover([typeof(MessageQueueFunction)]));

        Assert.Equal("MessageQueue", function.Name);
        Assert.Equal(FunctionTriggerKind.Queue, function.Kind);
        Assert.Equal("%MESSAGE_QUEUE%", function.TriggerAs<Microsoft.Azure.Functions.Worker.QueueTriggerAttribute>().QueueName);
        Assert.Equal("message", function.TriggerParameter.Name);
        Assert.Equal("message cancellationToken", string.Join(" ", function.Parameters.Select(p => p.Name)));
    }

    [Fact]
    public void Discover_AnotherTrigger_IsRefusedNamingTheFunctionAndTheTrigger()
    {
        var ex = Assert.Throws<NotSupportedException>(() => FunctionIndex.Discover([typeof(BlobTriggeredFunction)]));

        Assert.Contains("Function BlobTriggered: trigger [SampleBlobTrigger] on parameter 'blob' is not emulated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Discover_InputBinding_IsRefusedNamingTheFunctionAndTheBinding()
    {
        var ex = Assert.Throws<NotSupportedException>(() => FunctionIndex.Discover([typeof(TableInputQueueFunction)]));

        Assert.Contains("Function TableInputQueue: input binding [SampleTableInput] on parameter 'row' is not emulated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Discover_OutputBindingAttribute_IsRefusedNamingTheFunctionAndTheBinding()
    {
        var ex = Assert.Throws<NotSupportedException>(() => FunctionIndex.Discover([typeof(QueueOutputFunction)]));

        Assert.Contains("Function QueueOutput: output binding [QueueOutput] is not emulated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Discover_OutputBindingInTheReturnType_IsRefusedNamingTheProperty()
    {
        var ex = Assert.Throws<NotSupportedException>(() => FunctionIndex.Discover([typeof(MultiOutputHttpFunction)]));

        Assert.Contains("Function MultiOutputHttp: output binding [QueueOutput] on ResponseAndMessage.Message is not emulated", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Function MultiOutputHttp: the dev host runs HTTP functions that return IResult or Task<IResult>, not ResponseAndMessage.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Discover_ParameterItCannotBind_IsRefusedNamingItAndWhatItBinds()
    {
        var ex = Assert.Throws<NotSupportedException>(() => FunctionIndex.Discover([typeof(FunctionContextTimerFunction)]));

        Assert.Contains(
            "Function ContextTimer: the dev host cannot bind parameter 'context' of type FunctionContext. It binds the [TimerTrigger] parameter as TimerInfo, and CancellationToken.",
            ex.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Discover_NoTrigger_IsRefused()
    {
        var ex = Assert.Throws<NotSupportedException>(() => FunctionIndex.Discover([typeof(NoTriggerFunction)]));

        Assert.Contains("Function NoTrigger: no trigger parameter", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Discover_WorkerMiddleware_IsRefusedNamingIt()
    {
        var ex = Assert.Throws<NotSupportedException>(() => FunctionIndex.Discover([typeof(SampleMiddleware), typeof(TextQueueFunction)]));

        Assert.Contains($"Worker middleware {typeof(SampleMiddleware).FullName}: the dev host runs no worker middleware", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Discover_SeveralUnsupported_NamesEveryOneInOneMessage()
    {
        var ex = Assert.Throws<NotSupportedException>(() => FunctionIndex.Discover([typeof(BlobTriggeredFunction), typeof(TextQueueFunction), typeof(QueueOutputFunction), typeof(SampleMiddleware)]));

        Assert.StartsWith("The dev host does not emulate everything the app uses, so it does not start", ex.Message, StringComparison.Ordinal);
        Assert.Contains("BlobTriggered", ex.Message, StringComparison.Ordinal);
        Assert.Contains("QueueOutput", ex.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(SampleMiddleware), ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("TextQueue", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildAsync_AFunctionWithAnUnsupportedBinding_StopsStartUpNamingIt()
    {
        // Refused before anything starts (emulator, Azurite, Kestrel): nothing to clean up.
        var ex = await Assert.ThrowsAsync<NotSupportedException>(
            () => DevHostApplication.BuildAsync([], [typeof(TextQueueFunction), typeof(TableInputQueueFunction)], configure: null, CancellationToken.None));

        Assert.Contains("Function TableInputQueue: input binding [SampleTableInput] on parameter 'row' is not emulated", ex.Message, StringComparison.Ordinal);
    }
}
