using System.Net;
using AgentDispatch.Configuration;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace AgentDispatch.Dispatch;

/// <summary>
/// The one resilience handler of the VideoSDK client, tuned for a POST that is not idempotent: a
/// second successful dispatch puts a second agent in the meeting. Only outcomes that prove the
/// request did not dispatch anything are retried:
/// <list type="bullet">
/// <item>the connection never opened (refused, DNS, TLS, connect timeout): no request was sent;</item>
/// <item>VideoSDK answered "No workers available", or 429/503 with no message at all, waiting out
/// its <c>Retry-After</c> when it is no longer than <see cref="VideoSdkOptions.MaxRetryAfter"/>.
/// A 503 with any other message reached the server and is not repeated here.</item>
/// </list>
/// An attempt that timed out, or a connection that dropped after the request went out, is never
/// repeated here: the caller gets <see cref="DispatchOutcomeKind.Unknown"/>.
/// </summary>
public static class VideoSdkResilience
{
    public const string PipelineName = "videosdk-dispatch";

    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, VideoSdkOptions options, TimeProvider time)
    {
        pipeline
            .AddTimeout(options.TotalTimeout)
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(options.MaxRetries, 1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                ShouldRetryAfterHeader = true,
                ShouldHandle = args => ShouldRetryAsync(args.Outcome, args.AttemptNumber, options, time, args.Context.CancellationToken),
            })
            .AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                // Opens when VideoSDK keeps failing; while open, calls fail at once without being sent.
                FailureRatio = 0.5,
                MinimumThroughput = 20,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(5),
                ShouldHandle = args => ValueTask.FromResult(IsUpstreamFailure(args.Outcome)),
            })
            .AddTimeout(options.AttemptTimeout);
    }

    /// <summary>True when the exception proves the request never reached the server.</summary>
    public static bool NeverSent(Exception exception) => exception switch
    {
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError } => true,
        BrokenCircuitException => true,
        _ => false,
    };

    private static async ValueTask<bool> ShouldRetryAsync(Outcome<HttpResponseMessage> outcome, int attemptNumber, VideoSdkOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (attemptNumber >= options.MaxRetries)
        {
            return false;
        }

        if (outcome.Exception is { } exception)
        {
            return exception is not BrokenCircuitException && NeverSent(exception);
        }

        var response = outcome.Result!;
        if (RetryAfter(response, time) > options.MaxRetryAfter)
        {
            return false; // longer than a caller should be kept waiting: hand the Retry-After back instead
        }

        // The body decides: a 503 that says "Agent Not Deployed" is a configuration error, not capacity,
        // and a 200 that says "No workers available" dispatched nothing. Read under the call's token and
        // a size cap, so a body that trickles in cannot hold the call past its limits.
        try
        {
            await response.Content.LoadIntoBufferAsync(VideoSdkClient.MaxAnswerBytes, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return DispatchOutcomeClassifier.ProvesNothingDispatched((int)response.StatusCode, VideoSdkJsonContext.ReadMessage(body));
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The wait a response asks for in <c>Retry-After</c> (seconds or a date), if any.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta < TimeSpan.Zero ? TimeSpan.Zero : delta,
        { Date: { } date } => date - time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    private static bool IsUpstreamFailure(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Result.StatusCode: HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout } => true,
        _ => false,
    };
}
