using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using AgentDispatch.Auth;
using AgentDispatch.Telemetry;
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
    VideoSdkRateLimit rateLimit,
    AgentDispatchMetrics metrics,
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
        // The HTTP client spans (one per attempt the resilience handler makes) are this span's children.
        using var activity = AgentDispatchActivities.Start(AgentDispatchActivities.Names.VideoSdkDispatch)
            ?.SetTag(AgentDispatchActivities.MeetingIdTag, request.MeetingId)
            .SetTag(AgentDispatchActivities.AgentIdTag, request.AgentId);
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

        var elapsed = Stopwatch.GetElapsedTime(started);
        metrics.Dispatched(outcome.Kind, elapsed);
        if (activity is not null)
        {
            activity.SetTag(AgentDispatchActivities.OutcomeTag, outcome.Kind.ToWire());
            if (outcome.UpstreamStatus is { } status)
            {
                activity.SetTag("agentdispatch.videosdk.status", status);
            }

            if (outcome.Kind != DispatchOutcomeKind.Assigned)
            {
                activity.SetStatus(ActivityStatusCode.Error, outcome.Kind.ToWire());
            }
        }

        Log.Dispatched(logger, request.MeetingId, request.AgentId, outcome.Kind, outcome.UpstreamStatus, elapsed.TotalMilliseconds);
        return outcome;
    }

    /// <summary>Pages read per list at most: a room holds far fewer participants than this many pages.</summary>
    private const int MaxPages = 10;
    private const int PerPage = 50;

    public async Task<RoomLook> LookInRoomAsync(string meetingId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(meetingId);
        string token;
        try
        {
            token = await tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (TokenUnavailableException ex)
        {
            Log.LookFailed(logger, meetingId, "no token", null);
            return RoomLook.Unavailable($"The VideoSDK token could not be obtained ({(ex.IsTransient ? "transient" : "configuration")}).");
        }

        try
        {
            var participants = new List<RoomParticipant>();
            var sessions = await ListAsync(
                $"v2/sessions?roomId={Uri.EscapeDataString(meetingId)}&status=ongoing",
                VideoSdkJsonContext.Default.VideoSdkPageVideoSdkSession,
                token,
                cancellationToken).ConfigureAwait(false);
            foreach (var session in sessions)
            {
                if (session.Id is not { Length: > 0 } sessionId || session.End is not null || !string.Equals(session.Status ?? "ongoing", "ongoing", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                var active = await ListAsync(
                    $"v2/sessions/{Uri.EscapeDataString(sessionId)}/participants/active?",
                    VideoSdkJsonContext.Default.VideoSdkPageVideoSdkParticipant,
                    token,
                    cancellationToken).ConfigureAwait(false);
                participants.AddRange(active
                    .Where(p => p.ParticipantId is { Length: > 0 })
                    .Select(p => new RoomParticipant(p.ParticipantId!, p.Name, sessionId, p.Timelog?.LastOrDefault(t => t.End is null)?.Start)));
            }

            return new RoomLook(participants);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (LookFailedException ex)
        {
            Log.LookFailed(logger, meetingId, ex.Message, null);
            return RoomLook.Unavailable(ex.Message);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException or OperationCanceledException or IOException or JsonException or Polly.CircuitBreaker.BrokenCircuitException)
        {
            Log.LookFailed(logger, meetingId, ex.GetType().Name, ex.Message);
            return RoomLook.Unavailable("VideoSDK's sessions API did not answer.");
        }
    }

    /// <summary>Every item of a list, page by page; a page that is not the documented JSON fails the look.</summary>
    private async Task<List<T>> ListAsync<T>(string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<VideoSdkPage<T>> type, string token, CancellationToken cancellationToken)
    {
        var items = new List<T>();
        var separator = path.EndsWith('?') ? "" : "&";
        for (var page = 1; page <= MaxPages; page++)
        {
            if (!await rateLimit.TryAcquireAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new LookFailedException("VideoSdk:RateLimit: no permit came in time; the next look tries again.");
            }

            using var message = new HttpRequestMessage(HttpMethod.Get, $"{path}{separator}page={page}&perPage={PerPage}");
            message.Headers.TryAddWithoutValidation("Authorization", token);
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new LookFailedException($"VideoSDK's sessions API answered {(int)response.StatusCode}.");
            }

            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var read = JsonSerializer.Deserialize(body, type) ?? throw new LookFailedException("VideoSDK's sessions API answered null.");
            items.AddRange(read.Data ?? []);
            if (read.Data is not { Count: > 0 } || read.PageInfo?.LastPage is not { } last || page >= last)
            {
                break;
            }
        }

        return items;
    }

    private sealed class LookFailedException(string message) : Exception(message);

    private async Task<DispatchOutcome> SendAsync(byte[] body, string token, CancellationToken cancellationToken)
    {
        if (!await rateLimit.TryAcquireAsync(cancellationToken).ConfigureAwait(false))
        {
            // Nothing was sent: a capacity outcome of our own, retried inside the job's window.
            Log.RateLimited(logger);
            return new DispatchOutcome(DispatchOutcomeKind.Capacity, "VideoSdk:RateLimit: this instance is sending to VideoSDK as fast as allowed; nothing was sent.")
            {
                IsLocal = true,
                RetryAfter = rateLimit.RetryAfter,
            };
        }

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
