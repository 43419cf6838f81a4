using System.Text.Json;
using AgentDispatch.Jobs;
using AgentDispatch.Requests;
using AgentDispatch.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Confirmation;

public enum VideoSdkReceiptKind
{
    /// <summary>The delivery changed what the app knows (a job joined, an agent left).</summary>
    Handled,

    /// <summary>Verified, well-formed, and nothing to do: <see cref="VideoSdkReceipt.Reason"/> says why.</summary>
    Ignored,

    /// <summary>Missing or wrong signature: nothing changed.</summary>
    Unauthorized,

    /// <summary>Signed, but not the JSON VideoSDK documents.</summary>
    Invalid,

    /// <summary>VideoSDK's public key could not be read: the delivery cannot be checked now.</summary>
    KeyUnavailable,
}

/// <summary>What a VideoSDK webhook delivery came to, and the jobs it changed.</summary>
public sealed record VideoSdkReceipt(VideoSdkReceiptKind Kind, string Reason, IReadOnlyList<string>? JobIds = null, RequestErrors? Errors = null);

/// <summary>
/// <c>POST /api/webhooks/videosdk</c>: checks VideoSDK's RSA signature on the raw bytes, then applies
/// <c>participant-joined</c>, <c>participant-left</c> and <c>session-ended</c> to the jobs of the room.
/// VideoSDK's deliveries carry no id or timestamp, so every change is one that the same delivery
/// again leaves as it is: a join is recorded once, a leave once, and a job already joined stays so.
/// </summary>
public sealed partial class VideoSdkWebhookReceiver(
    VideoSdkWebhookKey key,
    DispatchLedger ledger,
    RoomPresence presence,
    RoomWatcher watcher,
    IOptions<ConfirmationOptions> options,
    AgentDispatchMetrics metrics,
    TimeProvider time,
    ILogger<VideoSdkWebhookReceiver> logger)
{
    public const string SignatureHeader = "videosdk-signature";

    /// <summary>VideoSDK's webhook bodies are a few hundred bytes.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>The jobs of one room read per delivery: a room holds few.</summary>
    private const int JobsPerRoom = 100;

    private const int MaxIdLength = JsonFields.MaxIdLength;

    private const int MaxNameLength = 1024;

    public async Task<VideoSdkReceipt> ReceiveAsync(ReadOnlyMemory<byte> body, string? signature, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(signature))
        {
            return new VideoSdkReceipt(VideoSdkReceiptKind.Unauthorized, $"The {SignatureHeader} header is missing.");
        }

        var bytes = new byte[signature.Length];
        if (!Convert.TryFromBase64String(signature.Trim(), bytes, out var written))
        {
            return new VideoSdkReceipt(VideoSdkReceiptKind.Unauthorized, $"The {SignatureHeader} header is not base64.");
        }

        switch (await key.VerifyAsync(body, bytes[..written], cancellationToken).ConfigureAwait(false))
        {
            case null:
                return new VideoSdkReceipt(VideoSdkReceiptKind.KeyUnavailable, "VideoSDK's public key could not be read; try again later.");
            case false:
                return new VideoSdkReceipt(VideoSdkReceiptKind.Unauthorized, "The signature does not match the body under VideoSDK's public key.");
        }

        if (!TryRead(body, out var delivery, out var errors))
        {
            return new VideoSdkReceipt(VideoSdkReceiptKind.Invalid, "The delivery is not VideoSDK's webhook JSON.", Errors: errors);
        }

        if (!options.Value.HearsWebhooks)
        {
            return Ignored($"Confirmation:Mode is {options.Value.Mode}: VideoSDK's webhooks are not used.");
        }

        var receipt = delivery.Type switch
        {
            "participant-joined" => await JoinedAsync(delivery, cancellationToken).ConfigureAwait(false),
            "participant-left" => await LeftAsync(delivery, cancellationToken).ConfigureAwait(false),
            "session-ended" => await LeftAsync(delivery with { ParticipantId = null }, cancellationToken).ConfigureAwait(false),
            _ => Ignored($"'{delivery.Type}' says nothing about an agent joining or leaving."),
        };
        LogReceived(logger, delivery.Type, delivery.MeetingId, receipt.Kind, receipt.Reason);
        return receipt;
    }

    private async Task<VideoSdkReceipt> JoinedAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        var jobs = await RoomJobsAsync(delivery.MeetingId, cancellationToken).ConfigureAwait(false);
        if (jobs.Count == 0)
        {
            return Ignored("No job dispatches an agent to this room.");
        }

        var agentJobs = jobs.Where(j => watcher.Matcher.IsAgent(j.AgentId, delivery.ParticipantId, delivery.ParticipantName)).ToList();
        if (agentJobs.Count == 0)
        {
            return Ignored("The participant is not the agent of any job in this room (Confirmation:AgentParticipant).");
        }

        var joinedAt = delivery.At ?? time.GetUtcNow();
        await presence.JoinedAsync(
            new RoomSighting(delivery.MeetingId, delivery.ParticipantId!, delivery.ParticipantName, delivery.SessionId, joinedAt, null),
            cancellationToken).ConfigureAwait(false);

        var seen = new AgentSeen(delivery.ParticipantId!, delivery.SessionId, joinedAt, ConfirmedBy.Webhook);
        var now = time.GetUtcNow();
        var changed = new List<string>();
        foreach (var job in agentJobs.Where(j => j.IsConfirming))
        {
            var update = await ledger.UpdateAsync(
                job.Id,
                current => current.IsConfirming && joinedAt >= (current.FirstSentAt ?? current.CreatedAt) - RoomWatcher.ClockSkew
                    ? DispatchJobRunner.Joined(current, seen, now)
                    : null,
                cancellationToken,
                job).ConfigureAwait(false);
            if (update.Updated)
            {
                metrics.AgentJoined(joinedAt - (job.FirstSentAt ?? job.CreatedAt), ConfirmedBy.Webhook);
                changed.Add(job.Id);
            }
        }

        return changed.Count > 0
            ? new VideoSdkReceipt(VideoSdkReceiptKind.Handled, "The agent joined.", changed)
            : Ignored("No job in this room is waiting for its agent (already joined, or not yet answered: the join is recorded for its look in the room).");
    }

    private async Task<VideoSdkReceipt> LeftAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        var leftAt = delivery.At ?? time.GetUtcNow();
        await presence.LeftAsync(delivery.MeetingId, delivery.ParticipantId, delivery.SessionId, leftAt, cancellationToken).ConfigureAwait(false);
        var jobs = await RoomJobsAsync(delivery.MeetingId, cancellationToken).ConfigureAwait(false);
        var changed = new List<string>();
        foreach (var job in jobs.Where(j => j.State == JobState.Joined && j.LeftAt is null && Leaving(j, delivery)))
        {
            var update = await ledger.UpdateAsync(
                job.Id,
                current => current.State == JobState.Joined && current.LeftAt is null && Leaving(current, delivery) ? current with { LeftAt = leftAt, UpdatedAt = time.GetUtcNow() } : null,
                cancellationToken,
                job).ConfigureAwait(false);
            if (update.Updated)
            {
                changed.Add(job.Id);
            }
        }

        return changed.Count > 0
            ? new VideoSdkReceipt(VideoSdkReceiptKind.Handled, "The agent left.", changed)
            : Ignored(jobs.Count == 0 ? "No job dispatches an agent to this room." : "No joined agent of a job in this room left.");
    }

    private static bool Leaving(DispatchJob job, Delivery delivery)
        => delivery.ParticipantId is { } participant ? job.ParticipantId == participant : job.SessionId == delivery.SessionId;

    private async Task<List<DispatchJob>> RoomJobsAsync(string meetingId, CancellationToken cancellationToken)
    {
        var page = await ledger.ListAsync(meetingId, null, JobsPerRoom, null, cancellationToken).ConfigureAwait(false);
        return page?.Items.ToList() ?? [];
    }

    private static VideoSdkReceipt Ignored(string reason) => new(VideoSdkReceiptKind.Ignored, reason);

    private sealed record Delivery(string Type, string MeetingId, string? SessionId, string? ParticipantId, string? ParticipantName, DateTimeOffset? At);

    /// <summary>
    /// <c>{"webhookType": "...", "data": {"meetingId", "sessionId", "participantId", "participantName", ...}}</c>.
    /// The time of the event is read from <c>joinedAt</c>/<c>leftAt</c>/<c>end</c> when present; without it, now.
    /// </summary>
    private static bool TryRead(ReadOnlyMemory<byte> body, out Delivery delivery, out RequestErrors errors)
    {
        delivery = null!;
        errors = new RequestErrors();
        // The shared parse: depth, duplicate names, and text that cannot be read as a string (an escaped lone
        // surrogate, which GetString would throw on below) are refused here, as for every other route.
        if (JsonFields.ParseObject(body, errors) is not { } json)
        {
            return false;
        }

        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("webhookType", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() is not { Length: > 0 and <= 64 } typeName)
            {
                errors.Add("webhookType", "Required: the event's name, a string.");
                return false;
            }

            if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
            {
                errors.Add("data", "Required: an object.");
                return false;
            }

            var participantEvent = typeName is "participant-joined" or "participant-left";
            var handled = participantEvent || typeName == "session-ended";
            var meetingId = Id(data, "meetingId", handled, errors);
            var sessionId = Id(data, "sessionId", typeName == "session-ended", errors);
            var participantId = Id(data, "participantId", participantEvent, errors);
            var participantName = Text(data, "participantName", errors) ?? Text(data, "name", errors);
            var at = Time(data, typeName switch { "participant-joined" => "joinedAt", "participant-left" => "leftAt", _ => "end" }, errors);
            if (errors.Any)
            {
                return false;
            }

            delivery = new Delivery(typeName, meetingId ?? "", sessionId, participantId, participantName, at);
            return true;
        }
    }

    private static string? Id(JsonElement data, string name, bool required, RequestErrors errors)
    {
        if (!data.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors.Add($"data.{name}", "Required: a string.");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 and <= MaxIdLength } id || id.Any(char.IsControl))
        {
            errors.Add($"data.{name}", $"Must be a string of 1-{MaxIdLength} characters without control characters.");
            return null;
        }

        return id;
    }

    private static string? Text(JsonElement data, string name, RequestErrors errors)
    {
        if (!data.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: <= MaxNameLength } text)
        {
            errors.Add($"data.{name}", $"Must be a string of at most {MaxNameLength} characters.");
            return null;
        }

        return text;
    }

    private static DateTimeOffset? Time(JsonElement data, string name, RequestErrors errors)
    {
        if (!data.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var at))
        {
            return at;
        }

        errors.Add($"data.{name}", "Must be an ISO 8601 time.");
        return null;
    }

    [LoggerMessage(42, LogLevel.Information, "VideoSDK webhook {WebhookType} for meeting {MeetingId}: {Kind} ({Reason})")]
    private static partial void LogReceived(ILogger logger, string webhookType, string meetingId, VideoSdkReceiptKind kind, string reason);
}
