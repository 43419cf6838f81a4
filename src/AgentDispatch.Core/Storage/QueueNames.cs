using Microsoft.Extensions.Configuration;

namespace AgentDispatch.Storage;

/// <summary>
/// Queue names. They are flat app settings because the Functions host resolves trigger queue names
/// from settings (<c>%DISPATCH_REQUESTS_QUEUE%</c>), and the app must send to the same queues.
/// </summary>
public sealed record QueueNames(string Requests, string Wake, string Notifications)
{
    public const string RequestsSetting = "DISPATCH_REQUESTS_QUEUE";
    public const string WakeSetting = "DISPATCH_WAKE_QUEUE";
    public const string DefaultRequests = "agent-dispatch-requests";
    public const string DefaultWake = "agent-dispatch-wake";
    public const string NotificationsSetting = "DISPATCH_NOTIFICATIONS_QUEUE";
    public const string DefaultNotifications = "agent-dispatch-notifications";

    /// <summary>Where the Functions host moves a message it failed five times; the app puts never-valid messages there at once.</summary>
    public string RequestsPoison => Requests + PoisonSuffix;

    public string WakePoison => Wake + PoisonSuffix;

    public static QueueNames From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new QueueNames(
            Valid(configuration[RequestsSetting] ?? DefaultRequests, RequestsSetting),
            Valid(configuration[WakeSetting] ?? DefaultWake, WakeSetting),
            Valid(configuration[NotificationsSetting] ?? DefaultNotifications, NotificationsSetting));
    }

    /// <summary>
    /// The one queue-name rule: a name Azure Storage allows (3-63 lowercase letters, digits and single
    /// dashes, starting and ending with a letter or digit) whose poison queue, which the Functions host
    /// creates by adding '-poison', is one too.
    /// </summary>
    public const string Rule = "3-56 lowercase letters, digits and single dashes, starting and ending with a letter or digit (room is left for '-poison')";

    private const string PoisonSuffix = "-poison";

    public static bool IsValid(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length >= 3 && IsStorageQueueName(name + PoisonSuffix);
    }

    private static bool IsStorageQueueName(string name)
        => name.Length is >= 3 and <= 63
           && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1])
           && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
           && !name.Contains("--", StringComparison.Ordinal);

    private static string Valid(string name, string setting)
        => IsValid(name) ? name : throw new InvalidOperationException($"{setting} must be a queue name: {Rule}.");
}
