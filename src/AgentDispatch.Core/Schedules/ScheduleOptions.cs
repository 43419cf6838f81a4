using Microsoft.Extensions.Configuration;

namespace AgentDispatch.Schedules;

/// <summary>
/// Settings under <c>Schedules:</c>: a list of recurring dispatches (<c>Schedules:0:Cron</c>,
/// <c>Schedules:0:AgentId</c>, ...). Entries are kept as the text that was written, not bound to typed
/// properties, so that start-up validation can name the exact setting that is wrong instead of failing
/// inside the configuration binder.
/// </summary>
public sealed class ScheduleOptions
{
    public const string Section = "Schedules";

    public IList<ScheduleSettings> Entries { get; } = [];

    /// <summary>A value written to <c>Schedules</c> itself, which should be a list: reported as an error unless empty.</summary>
    public string? Value { get; set; }

    /// <summary>Replaces the entries with those in <paramref name="section"/>, in the configuration's key order.</summary>
    public void ReadFrom(IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        Entries.Clear();
        Value = section.Value;
        foreach (var child in section.GetChildren())
        {
            var settings = child.GetChildren().ToList();
            if (settings.Count == 0 && string.IsNullOrEmpty(child.Value))
            {
                // Infrastructure templates and empty JSON arrays leave keys with empty values: no schedule.
                continue;
            }

            var entry = new ScheduleSettings
            {
                Key = child.Key,
                IsSingleValue = settings.Count == 0,
                Name = child[nameof(ScheduleSettings.Name)],
                Cron = child[nameof(ScheduleSettings.Cron)],
                TimeZone = child[nameof(ScheduleSettings.TimeZone)],
                MeetingId = child[nameof(ScheduleSettings.MeetingId)],
                AgentId = child[nameof(ScheduleSettings.AgentId)],
                VersionId = child[nameof(ScheduleSettings.VersionId)],
                Metadata = child[nameof(ScheduleSettings.Metadata)],
                MetadataIsSection = child.GetSection(nameof(ScheduleSettings.Metadata)).GetChildren().Any(),
                Window = child[nameof(ScheduleSettings.Window)],
            };
            foreach (var setting in settings.Where(s => !ScheduleSettings.Known.Contains(s.Key, StringComparer.OrdinalIgnoreCase)))
            {
                entry.UnknownSettings.Add(setting.Key);
            }

            Entries.Add(entry);
        }
    }
}

/// <summary>One schedule as written in settings; <see cref="ScheduleParser"/> checks it and makes it a <see cref="Schedule"/>.</summary>
public sealed class ScheduleSettings
{
    public static readonly IReadOnlyList<string> Known =
        [nameof(Name), nameof(Cron), nameof(TimeZone), nameof(MeetingId), nameof(AgentId), nameof(VersionId), nameof(Metadata), nameof(Window)];

    /// <summary>The entry's key under <c>Schedules:</c> (its index, for a list).</summary>
    public required string Key { get; init; }

    /// <summary>Where the entry is configured, e.g. <c>Schedules:0</c> (or <c>/api/schedules/standup</c>); every settings error message starts with it.</summary>
    public string Path
    {
        get => field ?? $"{ScheduleOptions.Section}:{Key}";
        init;
    }

    /// <summary>True when the entry is one value rather than a section of settings.</summary>
    public bool IsSingleValue { get; init; }

    /// <summary>Part of every job key of the schedule; defaults to <see cref="Key"/>.</summary>
    public string? Name { get; set; }

    /// <summary>5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first).</summary>
    public string? Cron { get; set; }

    /// <summary>An IANA time zone id (<c>Europe/Berlin</c>); defaults to UTC.</summary>
    public string? TimeZone { get; set; }

    public string? MeetingId { get; set; }

    public string? AgentId { get; set; }

    public string? VersionId { get; set; }

    /// <summary>VideoSDK's <c>metadata</c>: one JSON object written as a string.</summary>
    public string? Metadata { get; set; }

    /// <summary>True when <c>Metadata</c> was written as a nested section, which is not read (see <see cref="ScheduleParser"/>).</summary>
    public bool MetadataIsSection { get; set; }

    /// <summary>How long after each occurrence a dispatch is still useful; defaults to <c>Jobs:DefaultWindow</c>.</summary>
    public string? Window { get; set; }

    public IList<string> UnknownSettings { get; } = [];
}
