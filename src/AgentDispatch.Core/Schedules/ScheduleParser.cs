using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentDispatch.Configuration;
using AgentDispatch.Dispatch;
using AgentDispatch.Requests;
using AgentDispatch.Time;
using Cronos;

namespace AgentDispatch.Schedules;

/// <summary>
/// Checks the <c>Schedules:</c> settings and turns them into <see cref="Schedule"/>s. Every problem is
/// reported with the full name of the setting (<c>Schedules:2:Cron</c>), all at once, so one failed
/// start-up shows everything to fix.
/// </summary>
public static class ScheduleParser
{
    /// <summary>The longest <c>Window</c>: every run looks back this far, and a restart sends every occurrence still inside it.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(1);

    private const int MaxNameLength = 64;

    public static IReadOnlyList<Schedule> Parse(ScheduleOptions options, List<string> failures)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(failures);
        if (options.Entries.Count == 0 && !string.IsNullOrWhiteSpace(options.Value))
        {
            failures.Add($"{ScheduleOptions.Section} must be a list of schedules ({ScheduleOptions.Section}:0:Cron, {ScheduleOptions.Section}:0:AgentId, ...), not one value.");
        }

        var schedules = new List<Schedule>();
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in options.Entries)
        {
            var before = failures.Count;
            var schedule = Parse(entry, failures);
            if (schedule is not null && !names.TryAdd(schedule.Name, entry.Path))
            {
                failures.Add($"{entry.Path}:Name '{schedule.Name}' is also the name of {names[schedule.Name]}: names must be unique, because they are part of each job's key.");
            }

            if (schedule is not null && failures.Count == before)
            {
                schedules.Add(schedule);
            }
        }

        return schedules;
    }

    private static Schedule? Parse(ScheduleSettings entry, List<string> failures)
    {
        if (entry.IsSingleValue)
        {
            failures.Add($"{entry.Path} must be a section of settings ({entry.Path}:Cron, {entry.Path}:AgentId, ...), not one value.");
            return null;
        }

        foreach (var unknown in entry.UnknownSettings)
        {
            failures.Add($"{entry.Path}:{unknown} is not a setting of a schedule; they are {string.Join(", ", ScheduleSettings.Known)}.");
        }

        return Parse(entry, FieldProblems.ForSettings(entry.Path, failures));
    }

    /// <summary>
    /// The checks of one schedule, wherever it is defined: app settings at start-up, or the body of
    /// <c>POST /api/schedules</c>. Null when anything is wrong, each problem reported to <paramref name="problems"/>.
    /// </summary>
    public static Schedule? Parse(ScheduleSettings entry, FieldProblems problems)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(problems);
        var path = entry.Path;
        var before = problems.Count;
        var name = Read(entry.Name, "Name") ?? entry.Key;
        var cronText = Read(entry.Cron, "Cron");
        var timeZoneId = Read(entry.TimeZone, "TimeZone") ?? "UTC";
        var meetingText = Read(entry.MeetingId, "MeetingId");
        var agentText = Read(entry.AgentId, "AgentId");
        var versionText = Read(entry.VersionId, "VersionId");
        var metadataText = Read(entry.Metadata, "Metadata");
        var windowText = Read(entry.Window, "Window");

        if (!IsReference(entry.Name) && (name.Length is 0 or > MaxNameLength || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            problems.Add("Name", $"must be 1-{MaxNameLength} letters, digits, '-' or '_' (it is part of every job key)"
                + (entry.Name is null ? $"; with no Name the entry's key '{entry.Key}' is used." : "."));
        }

        CronExpression? expression = null;
        if (cronText is null)
        {
            if (!IsReference(entry.Cron))
            {
                problems.Add("Cron", "is required: a cron expression such as '0 9 * * 1-5' (09:00 on weekdays).");
            }
        }
        else if (!CronParser.TryParse(cronText, out expression, out var cronError))
        {
            problems.Add("Cron", $"is not a valid cron expression: {cronError}");
        }

        var timeZone = TimeZoneLookup.Find(timeZoneId);
        if (timeZone is null && !IsReference(entry.TimeZone))
        {
            problems.Add("TimeZone", $"'{timeZoneId}' is not a time zone this machine knows: use an IANA id such as Europe/Berlin (or UTC, the default).");
        }

        // Named by setting here; the problems name them as their caller does.
        var errors = new RequestErrors();
        var meetingId = RequiredId(meetingText, entry.MeetingId, "MeetingId", errors);
        var agentId = RequiredId(agentText, entry.AgentId, "AgentId", errors);
        var versionId = versionText is null ? null : JsonFields.CheckId(versionText, "VersionId", errors);
        var metadata = ReadMetadata(entry, metadataText, "Metadata", errors);
        problems.AddAll(errors);

        TimeSpan? window = null;
        if (windowText is not null)
        {
            if (!TimeSpan.TryParse(windowText, CultureInfo.InvariantCulture, out var parsed))
            {
                problems.Add("Window", "must be a time span such as 00:15:00.");
            }
            else if (parsed <= TimeSpan.Zero || parsed > MaxWindow)
            {
                problems.Add("Window", $"must be positive and at most {MaxWindow:c}.");
            }
            else
            {
                window = parsed;
            }
        }

        return problems.Count > before || expression is null || timeZone is null || meetingId is null || agentId is null
            ? null
            : new Schedule(name, path, cronText!.Trim(), expression, timeZone, new DispatchRequest(meetingId, agentId, metadata, versionId), window);

        // A value read as given; empty counts as unset (an app setting left empty), and a Key Vault
        // reference App Service could not resolve is reported as that rather than as a bad value.
        string? Read(string? value, string setting)
        {
            if (string.IsNullOrEmpty(value))
            {
                return null;
            }

            var count = problems.Count;
            SettingChecks.RejectUnresolvedReference(problems, setting, value);
            return problems.Count > count ? null : value;
        }

        bool IsReference(string? value) => SettingChecks.IsReference(problems, value);

        string? RequiredId(string? text, string? raw, string field, RequestErrors errors)
        {
            if (text is not null)
            {
                return JsonFields.CheckId(text, field, errors);
            }

            if (!IsReference(raw))
            {
                errors.Add(field, "is required.");
            }

            return null;
        }
    }

    private static JsonElement? ReadMetadata(ScheduleSettings entry, string? text, string field, RequestErrors errors)
    {
        if (entry.MetadataIsSection)
        {
            // A section's values are all strings: numbers and booleans would reach VideoSDK as text.
            errors.Add(field, "must be one JSON object written as a string, e.g. {\"variables\":[{\"name\":\"team\",\"value\":\"core\"}]}; "
                + "a nested section is not read, because settings lose their JSON types.");
            return null;
        }

        if (text is null)
        {
            return null;
        }

        if (Encoding.UTF8.GetByteCount(text) > DispatchRequestParser.MaxMetadataBytes * 2)
        {
            // Not even parsed: ReadObject below reports the exact size of anything closer to the limit.
            errors.Add(field, $"must be at most {DispatchRequestParser.MaxMetadataBytes} bytes of JSON.");
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = JsonFields.MaxDepth, AllowDuplicateProperties = false });
            return JsonFields.ReadObject(document.RootElement, field, DispatchRequestParser.MaxMetadataBytes, errors);
        }
        catch (JsonException ex)
        {
            var message = ex.Message;
            var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
            errors.Add(field, $"is not valid JSON: {(cut < 0 ? message : message[..cut]).TrimEnd('.')}.");
            return null;
        }
    }
}
