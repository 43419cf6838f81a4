namespace AgentDispatch.Dispatch;

/// <summary>Sends one dispatch to VideoSDK and says what became of it. Never throws for an upstream failure.</summary>
public interface IVideoSdkClient
{
    /// <exception cref="OperationCanceledException">Only when <paramref name="cancellationToken"/> was cancelled.</exception>
    Task<DispatchOutcome> DispatchAsync(DispatchRequest request, CancellationToken cancellationToken);
}
