namespace AgentDispatch.VideoSdkEmulator;

/// <summary>An emulator started in-process by <see cref="VideoSdkEmulatorApp.StartAsync(EmulatorOptions, string, CancellationToken)"/>.</summary>
public sealed class RunningEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TimeSpan _stopTimeout;
    private int _disposed;

    internal RunningEmulator(WebApplication app, Uri baseAddress, EmulatorState state, TimeSpan stopTimeout)
    {
        _app = app;
        BaseAddress = baseAddress;
        State = state;
        _stopTimeout = stopTimeout;
    }

    /// <summary>The bound address with a trailing slash, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Where a client should send dispatches: <see cref="BaseAddress"/> + <c>v2/agent/dispatch</c>.</summary>
    public Uri DispatchUri => new(BaseAddress, "v2/agent/dispatch");

    public EmulatorState State { get; }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using (var timeout = new CancellationTokenSource(_stopTimeout))
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
