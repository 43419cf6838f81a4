using System.Threading.RateLimiting;
using AgentDispatch.Configuration;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Dispatch;

/// <summary>
/// <c>VideoSdk:RateLimit</c>: a token bucket in front of every request the typed client sends —
/// dispatches and the looks in the room alike — per instance. A request waits at most
/// <see cref="VideoSdkRateLimitOptions.MaxWait"/> for a permit; one that would wait longer is not
/// sent, and the caller gets a capacity outcome (a job retries it inside its window).
/// </summary>
/// <remarks>
/// <see cref="TokenBucketRateLimiter"/> from <c>System.Threading.RateLimiting</c>, part of .NET: a
/// maintained limiter with a queue, rather than one of our own.
/// </remarks>
public sealed class VideoSdkRateLimit : IDisposable
{
    private readonly TokenBucketRateLimiter? _limiter;
    private readonly TimeSpan _maxWait;

    public VideoSdkRateLimit(IOptions<VideoSdkOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var limit = options.Value.RateLimit;
        _maxWait = limit.MaxWait;
        if (limit.RequestsPerSecond > 0)
        {
            _limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = limit.EffectiveBurst,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = limit.Period,
                AutoReplenishment = true,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                // Every waiter leaves after MaxWait at the latest, so the queue stays as long as MaxWait allows.
                QueueLimit = int.MaxValue,
            });
        }
    }

    public bool IsOn => _limiter is not null;

    /// <summary>How long a refused caller should wait before trying again: about one permit's worth.</summary>
    public TimeSpan RetryAfter => _limiter is null ? TimeSpan.Zero : _limiter.ReplenishmentPeriod < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : _limiter.ReplenishmentPeriod;

    /// <summary>True when the request may go now; false when no permit came within <c>MaxWait</c>.</summary>
    public async ValueTask<bool> TryAcquireAsync(CancellationToken cancellationToken)
    {
        if (_limiter is null)
        {
            return true;
        }

        if (_maxWait <= TimeSpan.Zero)
        {
            using var now = _limiter.AttemptAcquire();
            return now.IsAcquired;
        }

        using var waited = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        waited.CancelAfter(_maxWait);
        try
        {
            using var lease = await _limiter.AcquireAsync(1, waited.Token).ConfigureAwait(false);
            return lease.IsAcquired;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public void Dispose() => _limiter?.Dispose();
}
