using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using AgentDispatch.Auth;
using Microsoft.Extensions.Logging;
using Polly.Timeout;

namespace AgentDispatch.Dispatch;

/// <summary>
/// VideoSDK's dispatch API as a typed client. Retries that are safe live in the resilience handler
/// (<see cref="VideoSdkResilience"/>); this class adds the token and classifies what came back.
/// </summary>
public sealed partial class VideoSdkClient(
    HttpClient http,
    IVideoSdkTokenProvider tokens,
    TimeProvider time,
    ILogger<VideoSdkClient> logger) : IVideoSdkClient
{
    public const string DispatchPath = "v2/agent/dispatch";

    /// <summary>VideoSDK's answers are a few hundred bytes; anything far larger is not one.</summary>
    public const int MaxAnswerBytes = 64 * 1024;
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public async Task<DispatchOutcome> DispatchAsync(DispatchRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();
        var body = JsonSerializer.SerializeToUtf8Bytes(request, VideoSdkJsonContext.Default.DispatchRequest);

        DispatchOutcome outcome;
        try
        {
            var token = await tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
            outcome = await SendAsync(body, token, cancellationToken).ConfigureAwait(false);
            if (outcome.Kind == DispatchOutcomeKind.Unauthorized)
            {
                // VideoSDK refused the token: read it again once (it may have been rotated in the vault)
                // and resend only if that gave a different token. A 401 dispatched nothing.
                var renewed = await tokens.RenewAsync(token, cancellationToken).ConfigureAwait(false);
                if (renewed != token)
                {
                    Log.ResendingWithRenewedToken(logger, request.MeetingId, request.AgentId);
                    outcome = await SendAsync(body, renewed, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (TokenUnavailableException ex)
        {
            // The reason names settings and secrets: it goes to the log, not to callers.
            Log.TokenUnavailable(logger, request.MeetingId, request.AgentId, ex.Message);
            outcome = new DispatchOutcome(
                ex.IsTransient ? DispatchOutcomeKind.Transient : DispatchOutcomeKind.Configuration,
                "The VideoSDK token could not be obtained; nothing was sent. The app's log says why.")
            { IsLocal = true };
        }

        Log.Dispatched(logger, request.MeetingId, request.AgentId, outcome.Kind, outcome.UpstreamStatus, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return outcome;
    }

    private async Task<DispatchOutcome> SendAsync(byte[] body, string token, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, DispatchPath);
        // VideoSDK takes the raw token: no "Bearer " scheme.
        message.Headers.TryAddWithoutValidation("Authorization", token);
        message.Content = new ByteArrayContent(body) { Headers = { ContentType = Json } };

        try
        {
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            var responseBody = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var answer = VideoSdkJsonContext.ReadAnswer(responseBody);
            var upstreamMessage = answer?.Message;
            var kind = DispatchOutcomeClassifier.Classify(status, upstreamMessage, answer?.Data?.Success);
            return new DispatchOutcome(kind, upstreamMessage ?? Describe(kind, status))
            {
                UpstreamStatus = status,
                RetryAfter = VideoSdkResilience.RetryAfter(response, time),
                ResponseBody = System.Text.Encoding.UTF8.GetString(responseBody),
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped by the caller (the host shutting down) with the request possibly on its way.
            Log.CancelledInFlight(logger);
            throw;
        }
        catch (Exception ex) when (VideoSdkResilience.NeverSent(ex))
        {
            Log.NotSent(logger, ex.GetType().Name, ex.Message);
            return new DispatchOutcome(DispatchOutcomeKind.Transient, "VideoSDK could not be reached; nothing was sent.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException or OperationCanceledException or IOException)
        {
            // The request went out and no answer came: VideoSDK may have dispatched an agent.
            Log.NoAnswer(logger, ex.GetType().Name, ex.Message);
            return new DispatchOutcome(DispatchOutcomeKind.Unknown, "The request was sent to VideoSDK but no answer came; an agent may have been dispatched.");
        }
    }

    private static string Describe(DispatchOutcomeKind kind, int status) => kind switch
    {
        DispatchOutcomeKind.Assigned => "Agent dispatch requested successfully.",
        DispatchOutcomeKind.Unauthorized => $"VideoSDK refused the auth token ({status}).",
        DispatchOutcomeKind.Capacity => $"VideoSDK has no capacity right now ({status}).",
        _ => $"VideoSDK answered {status}.",
    };
}
