using Microsoft.Extensions.Configuration;

namespace AgentDispatch.Storage;

/// <summary>
/// Queue names. They are flat app settings because the Functions host resolves trigger queue names
/// from settings (<c>%DISPATCH_REQUESTS_QUEUE%</c>), and the app must send to the same queues.
/// </summary>
public sealed record QueueNames(string Requests, string Wake)
{
    public const string RequestsSetting = "DISPATCH_REQUESTS_QUEUE";
    public const string WakeSetting = "DISPATCH_WAKE_QUEUE";
    public const string DefaultRequests = "agent-dispatch-requests";
    public const string DefaultWake = "agent-dispatch-wake";

    /// <summary>Where the Functions host moves a message it failed five times; the app puts never-valid messages there at once.</summary>
    public string RequestsPoison => Requests + "-poison";

    public string WakePoison => Wake + "-poison";

    public static QueueNames From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new QueueNames(
            Valid(configuration[RequestsSetting] ?? DefaultRequests, RequestsSetting),
            Valid(configuration[WakeSetting] ?? DefaultWake, WakeSetting));
    }

    private static string Valid(string name, string setting)
        => name.Length is >= 3 and <= 57 && char.IsAsciiLetterLower(name[0]) && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') && !name.Contains("--", StringComparison.Ordinal)
            ? name
            : throw new InvalidOperationException($"{setting} must be a queue name: 3-57 lowercase letters, digits and single dashes, starting with a letter (room is left for '-poison').");
}
