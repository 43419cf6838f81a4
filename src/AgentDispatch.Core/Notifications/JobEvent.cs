using System.Text.Json;
using System.Text.Json.Serialization;
using AgentDispatch.Jobs;

namespace AgentDispatch.Notifications;

/// <summary>
/// A status event as subscribers receive it: <c>{"type": "job.&lt;state&gt;", "timestamp", "data": &lt;the job as
/// GET returns it&gt;}</c>. <c>data.sequence</c> orders one job's events.
/// </summary>
public sealed record JobEvent(string Type, DateTimeOffset Timestamp, JobView Data)
{
    /// <summary>The most a queued delivery may hold; Storage refuses messages over 64 KiB.</summary>
    public const int MaxQueuedBytes = 60 * 1024;

    /// <summary>
    /// The event's id, the <c>webhook-id</c> of every delivery of it: the job, when it was created (a job id
    /// comes back after retention deletes its job) and its sequence.
    /// </summary>
    public static string IdFor(DispatchJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return $"evt_{job.Id}_{job.CreatedAt.ToUnixTimeMilliseconds()}_{job.Sequence}";
    }

    /// <summary>
    /// The bodies the event can be sent with, fullest first: every delivery of it carries one of them byte
    /// for byte (it is what is signed). A job whose VideoSDK answer and metadata would not fit in a queue
    /// message is sent without them, the answer dropped first.
    /// </summary>
    public static IEnumerable<string> Bodies(DispatchJob job, string type)
    {
        ArgumentNullException.ThrowIfNull(job);
        var view = JobView.From(job);
        yield return Serialize(new JobEvent(type, job.UpdatedAt, view));
        yield return Serialize(new JobEvent(type, job.UpdatedAt, view with { UpstreamResponse = null }));
        yield return Serialize(new JobEvent(type, job.UpdatedAt, view with { UpstreamResponse = null, Metadata = null }));
    }

    private static string Serialize(JobEvent e) => JsonSerializer.Serialize(e, NotificationsJsonContext.Default.JobEvent);
}

/// <summary>
/// One delivery of one event to one subscriber, as queued: the body to send and sign, who to send it to,
/// and how long it has been trying. A retry is a new message with <see cref="Attempt"/> one higher.
/// </summary>
public sealed record NotificationMessage(
    [property: JsonPropertyName("id")] string EventId,
    [property: JsonPropertyName("to")] string To,
    [property: JsonPropertyName("jobId")] string JobId,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("sequence")] int Sequence,
    [property: JsonPropertyName("body")] string Body,
    [property: JsonPropertyName("firstAttemptAt")] DateTimeOffset FirstAttemptAt,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("url")] string? Url = null)
{
    /// <summary>The delivery's id in the dead-letter list: the event and the subscriber.</summary>
    [JsonIgnore]
    public string DeliveryId => $"{EventId}.{To}";

    public static NotificationMessage? Read(ReadOnlyMemory<byte> text)
    {
        try
        {
            var message = JsonSerializer.Deserialize(text.Span, NotificationsJsonContext.Default.NotificationMessage);
            return message is { EventId.Length: > 0, To.Length: > 0, Body.Length: > 0, Type.Length: > 0 } && JobIds.IsWellFormed(message.JobId) ? message : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public string Write() => JsonSerializer.Serialize(this, NotificationsJsonContext.Default.NotificationMessage);

    /// <summary>True when the message, as written, fits in a Storage queue message.</summary>
    public static bool Fits(string written) => System.Text.Encoding.UTF8.GetByteCount(written) <= JobEvent.MaxQueuedBytes;
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(JobEvent))]
[JsonSerializable(typeof(NotificationMessage))]
public sealed partial class NotificationsJsonContext : JsonSerializerContext;
