using System.Globalization;
using System.Text.Json;

namespace AgentDispatch.DevHost.Settings;

/// <summary>The parts of <c>host.json</c> the dev host honours, so local runs match the Functions host.</summary>
public sealed record HostJson(string RoutePrefix, QueueTriggerOptions Queues)
{
    public const string FileName = "host.json";

    public static HostJson Read(string appRoot)
    {
        var path = Path.Combine(appRoot, FileName);
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });

        var routePrefix = "api";
        var queues = new QueueTriggerOptions();
        if (document.RootElement.TryGetProperty("extensions", out var extensions))
        {
            if (extensions.TryGetProperty("http", out var http)
                && http.TryGetProperty("routePrefix", out var prefix)
                && prefix.ValueKind == JsonValueKind.String)
            {
                routePrefix = prefix.GetString()!.Trim('/');
            }

            if (extensions.TryGetProperty("queues", out var queuesSection) && queuesSection.ValueKind == JsonValueKind.Object)
            {
                queues = QueueTriggerOptions.Read(queuesSection, path);
            }
        }

        return new HostJson(routePrefix, queues);
    }
}

/// <summary>How a queue-triggered function is fed when the message body is bound.</summary>
public enum QueueBodyEncoding
{
    /// <summary>The body is base64 text and is decoded before binding (the Functions host's default).</summary>
    Base64,

    /// <summary>The body is bound as stored.</summary>
    None,
}

/// <summary>
/// <c>extensions.queues</c> of <c>host.json</c>, with the Functions host's defaults and limits, so
/// a message is fetched, retried and poisoned locally as it would be in Azure.
/// </summary>
public sealed record QueueTriggerOptions
{
    public const int MaxBatchSize = 32;

    public static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>A message can be hidden for at most 7 days.</summary>
    public static readonly TimeSpan MaxVisibilityTimeout = TimeSpan.FromDays(7);

    private readonly int? _newBatchThreshold;

    /// <summary>Messages fetched per poll (1-32).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Another batch is fetched when this many or fewer are still running; default half the batch size.</summary>
    public int NewBatchThreshold
    {
        get => _newBatchThreshold ?? BatchSize / 2;
        init => _newBatchThreshold = value;
    }

    /// <summary>The longest wait between polls of an empty queue.</summary>
    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a failed message stays invisible before it is tried again.</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>Attempts before a message moves to <c>&lt;queue&gt;-poison</c>.</summary>
    public int MaxDequeueCount { get; init; } = 5;

    public QueueBodyEncoding MessageEncoding { get; init; } = QueueBodyEncoding.Base64;

    /// <summary>Throws naming the first setting outside the Functions host's limits.</summary>
    public QueueTriggerOptions Validate(string source = "host.json")
    {
        var problem =
            BatchSize is < 1 or > MaxBatchSize ? Problem("batchSize", BatchSize, $"between 1 and {MaxBatchSize}")
            : NewBatchThreshold < 0 ? Problem("newBatchThreshold", NewBatchThreshold, "0 or more")
            : MaxPollingInterval < MinPollingInterval ? Problem("maxPollingInterval", MaxPollingInterval, "at least 00:00:00.100")
            : VisibilityTimeout < TimeSpan.Zero || VisibilityTimeout > MaxVisibilityTimeout ? Problem("visibilityTimeout", VisibilityTimeout, "between 00:00:00 and 7.00:00:00")
            : MaxDequeueCount < 1 ? Problem("maxDequeueCount", MaxDequeueCount, "1 or more")
            : null;
        return problem is null ? this : throw new InvalidOperationException($"{source}: {problem}");
    }

    private static string Problem(string name, object value, string expected)
        => $"extensions.queues.{name} is {Convert.ToString(value, CultureInfo.InvariantCulture)}; it must be {expected}.";

    /// <summary>Reads the <c>extensions.queues</c> object; a bad value stops start-up naming the setting.</summary>
    public static QueueTriggerOptions Read(JsonElement section, string source)
    {
        try
        {
            var options = new QueueTriggerOptions();
            foreach (var property in section.EnumerateObject())
            {
                // host.json names are case-insensitive under the Functions host.
                options = property.Name.ToUpperInvariant() switch
                {
                    "BATCHSIZE" => options with { BatchSize = ReadInt(property) },
                    "NEWBATCHTHRESHOLD" => options with { NewBatchThreshold = ReadInt(property) },
                    "MAXPOLLINGINTERVAL" => options with { MaxPollingInterval = ReadTimeSpan(property) },
                    "VISIBILITYTIMEOUT" => options with { VisibilityTimeout = ReadTimeSpan(property) },
                    "MAXDEQUEUECOUNT" => options with { MaxDequeueCount = ReadInt(property) },
                    "MESSAGEENCODING" => options with { MessageEncoding = ReadEncoding(property) },
                    _ => options,
                };
            }

            return options.Validate(source);
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException($"{source}: {ex.Message}", ex);
        }
    }

    private static int ReadInt(JsonProperty property)
        => property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt32(out var value)
            ? value
            : throw new FormatException($"extensions.queues.{property.Name} must be a whole number, not {property.Value.GetRawText()}.");

    private static TimeSpan ReadTimeSpan(JsonProperty property)
    {
        // The Functions host takes "hh:mm:ss" (the documented form) and also plain milliseconds.
        if (property.Value.ValueKind == JsonValueKind.String
            && TimeSpan.TryParse(property.Value.GetString(), CultureInfo.InvariantCulture, out var span))
        {
            return span;
        }

        if (property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt64(out var milliseconds))
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        throw new FormatException($"extensions.queues.{property.Name} must be a time span such as \"00:00:30\", not {property.Value.GetRawText()}.");
    }

    private static QueueBodyEncoding ReadEncoding(JsonProperty property)
        => property.Value.ValueKind == JsonValueKind.String && property.Value.GetString()?.ToUpperInvariant() is { } text
            ? text switch
            {
                "BASE64" => QueueBodyEncoding.Base64,
                "NONE" => QueueBodyEncoding.None,
                _ => throw new FormatException($"extensions.queues.{property.Name} must be \"base64\" or \"none\", not {property.Value.GetRawText()}."),
            }
            : throw new FormatException($"extensions.queues.{property.Name} must be \"base64\" or \"none\", not {property.Value.GetRawText()}.");
}
