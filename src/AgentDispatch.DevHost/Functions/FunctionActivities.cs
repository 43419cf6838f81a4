using System.Diagnostics;

namespace AgentDispatch.DevHost.Functions;

/// <summary>
/// The dev host's span per function invocation, standing in for the one the Functions worker starts
/// in Azure (<c>function {Name}</c> on <c>Microsoft.Azure.Functions.Worker</c>): the same name and
/// <c>faas.*</c> tags, so a trace reads alike wherever it ran. An HTTP invocation is a child of the
/// ASP.NET Core request span; a queue or timer invocation starts a trace of its own, as there.
/// </summary>
internal static class FunctionActivities
{
    public const string SourceName = "AgentDispatch.DevHost";

    private static readonly ActivitySource Source = new(SourceName);

    public static Activity? StartInvocation(FunctionDescription function)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var (kind, trigger) = function.Kind switch
        {
            FunctionTriggerKind.Http => (ActivityKind.Internal, "http"),
            FunctionTriggerKind.Queue => (ActivityKind.Consumer, "pubsub"),
            _ => (ActivityKind.Internal, "timer"),
        };
        return Source.StartActivity($"function {function.Name}", kind)
            ?.SetTag("faas.name", function.Name)
            .SetTag("faas.trigger", trigger)
            .SetTag("faas.invocation_id", Guid.NewGuid().ToString());
    }
}
