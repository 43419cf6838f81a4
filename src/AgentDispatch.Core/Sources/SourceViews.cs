using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentDispatch.Sources;

/// <summary>
/// A calendar as the API shows it. <see cref="Url"/> is masked (scheme and host, then <c>/…</c>): a feed's
/// path and query usually hold its token, so the full URL is never shown, not even to whoever added it.
/// </summary>
public sealed record CalendarView(
    string Name,
    string Source,
    string? Url,
    string? UrlSecretName,
    string? Mailbox,
    string? AgentId,
    bool ReadOnly,
    string DefinedIn,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? UpdatedAt,
    [property: JsonPropertyName("etag")] string? ETag,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? LastSyncAt,
    string? LastError,
    DateTimeOffset? NextSyncAt);

public sealed record ScheduleView(
    string Name,
    string? Cron,
    string? TimeZone,
    string? MeetingId,
    string? AgentId,
    string? VersionId,
    JsonElement? Metadata,
    string? Window,
    bool ReadOnly,
    string DefinedIn,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? UpdatedAt,
    [property: JsonPropertyName("etag")] string? ETag);

public sealed record RuleView(
    string Name,
    string? Sources,
    string? EventTypes,
    string? EventTypePattern,
    string? TitlePattern,
    string? OrganizerDomains,
    string? AttendeeDomains,
    string? AgentId,
    string? VersionId,
    string? LeadTime,
    string? NotAfter,
    IReadOnlyDictionary<string, string>? Variables,
    bool ReadOnly,
    string DefinedIn,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? UpdatedAt,
    [property: JsonPropertyName("etag")] string? ETag);

public sealed record CalendarList(IReadOnlyList<CalendarView> Items);

public sealed record ScheduleList(IReadOnlyList<ScheduleView> Items);

public sealed record RuleList(IReadOnlyList<RuleView> Items);

/// <summary>Where a source is defined: <c>settings</c> (read-only here) or <c>api</c>.</summary>
public static class DefinedIn
{
    public const string Settings = "settings";
    public const string Api = "api";
}

/// <summary>The sources API's bodies, camelCase, without reflection.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CalendarView))]
[JsonSerializable(typeof(ScheduleView))]
[JsonSerializable(typeof(RuleView))]
[JsonSerializable(typeof(CalendarList))]
[JsonSerializable(typeof(ScheduleList))]
[JsonSerializable(typeof(RuleList))]
public sealed partial class SourcesJsonContext : JsonSerializerContext;

/// <summary>Shows a feed URL without what makes it a credential.</summary>
public static class FeedUrlMask
{
    /// <summary><c>https://calendar.example.com/…</c>: the scheme, host and any port; never user info, path, query or fragment.</summary>
    public static string? Mask(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }

        return Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) && uri.Host.Length > 0
            ? uri.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped) + "/…"
            : "…";
    }
}
