using Microsoft.Extensions.Logging;

namespace AgentDispatch.Auth;

/// <summary>
/// Caches one token for all callers. The hot path is a field read; only a due renewal takes the
/// lock, and callers arriving during it wait for that one read instead of starting their own
/// (Key Vault throttles at about 4,000 reads per 10 s per vault).
/// </summary>
public sealed partial class VideoSdkTokenProvider(IVideoSdkTokenSource source, TimeProvider time, ILogger<VideoSdkTokenProvider> logger)
    : IVideoSdkTokenProvider, IDisposable
{
    /// <summary>
    /// While the source fails, a token still believed good is kept this much longer before trying
    /// again; and a token refused again within this time is not re-read again (one read per refusal).
    /// </summary>
    internal static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile IssuedToken? _current;
    private string? _lastRejected;
    private DateTimeOffset _lastRejectedAt;

    /// <summary>One read of the source may take this long; past it the read counts as a vault that did not answer.</summary>
    public static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(15);

    /// <summary>After a failed read, callers fail at once for this long instead of each waiting on another read.</summary>
    internal static readonly TimeSpan FailureMemory = TimeSpan.FromSeconds(5);

    private (TokenUnavailableException Error, DateTimeOffset At)? _lastFailure;

    public string SourceKind => source.Kind;

    public string Source => source.Description;

    public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        var current = _current;
        return current is not null && time.GetUtcNow() < current.RenewAt
            ? ValueTask.FromResult(current.Value)
            : new ValueTask<string>(RefreshAsync(rejectedToken: null, cancellationToken));
    }

    public ValueTask<string> RenewAsync(string rejectedToken, CancellationToken cancellationToken)
        => new(RefreshAsync(rejectedToken, cancellationToken));

    public void Dispose() => _gate.Dispose();

    private async Task<IssuedToken> FetchAsync(bool reload, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(FetchTimeout);
        try
        {
            return await source.FetchAsync(reload, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TokenUnavailableException($"{source.Description} did not answer within {FetchTimeout.TotalSeconds:0} s.", isTransient: true, ex);
        }
    }

    private async Task<string> RefreshAsync(string? rejectedToken, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = _current;
            var now = time.GetUtcNow();
            if (rejectedToken is null && current is not null && now < current.RenewAt)
            {
                return current.Value; // another caller renewed it while this one waited
            }

            if (rejectedToken is not null && current is not null
                && (current.Value != rejectedToken || (rejectedToken == _lastRejected && now - _lastRejectedAt < Grace)))
            {
                // Renewed since this caller got its token, or the source was just re-read for the same
                // refusal and gave the same token back: another read would only cost a vault call.
                return current.Value;
            }

            if (_lastFailure is { } failure && now - failure.At < FailureMemory)
            {
                throw failure.Error;
            }

            try
            {
                var issued = await FetchAsync(reload: rejectedToken is not null, cancellationToken).ConfigureAwait(false);
                _lastFailure = null;
                _current = issued;
                if (rejectedToken is not null)
                {
                    _lastRejected = rejectedToken;
                    _lastRejectedAt = now;
                }

                Log.TokenRenewed(logger, source.Description, issued.RenewAt);
                return issued.Value;
            }
            catch (TokenUnavailableException ex) when (ex.IsTransient && rejectedToken is null && current is not null)
            {
                // The vault is briefly unreachable but nothing says the token we hold went bad: keep
                // using it for a short while rather than failing every dispatch.
                Log.KeepingTokenWhileSourceFails(logger, source.Description, ex.Message);
                _current = current with { RenewAt = now + Grace };
                return current.Value;
            }
            catch (TokenUnavailableException ex)
            {
                _lastFailure = (ex, now);
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
