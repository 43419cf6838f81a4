using AgentDispatch.Storage;

namespace AgentDispatch.Configuration;

/// <summary>
/// One app setting a trigger attribute reads as <c>%NAME%</c>: its name, the value the app ships with,
/// and the rule a value must follow. The Functions host has no defaults for these and stops without
/// them, so the same defaults go into <c>local.settings.sample.json</c>, the dev host and the Bicep template.
/// </summary>
/// <param name="Rule">What a valid value is, in words, for error messages and docs.</param>
/// <param name="Problem">Why a value breaks the rule; null when it follows it.</param>
public sealed record TriggerSetting(string Name, string Default, string Rule, Func<string, string?> Problem)
{
    /// <summary>Why <paramref name="value"/> cannot be used, naming the setting; null when it can.</summary>
    public string? Check(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return $"{Name} is not set: the Functions host reads it as %{Name}% and has no default (the app's is '{Default}'; see local.settings.sample.json).";
        }

        return Problem(value) is { } problem ? $"{Name} is '{value}': {problem}; it must be {Rule}." : null;
    }
}

/// <summary>The catalogue of trigger settings: every <c>%SETTING%</c> the functions bind, in one place.</summary>
public static class TriggerSettings
{
    public static readonly TriggerSetting RequestsQueue = Queue(QueueNames.RequestsSetting, QueueNames.DefaultRequests);

    public static readonly TriggerSetting WakeQueue = Queue(QueueNames.WakeSetting, QueueNames.DefaultWake);

    public static readonly TriggerSetting NotificationsQueue = Queue(QueueNames.NotificationsSetting, QueueNames.DefaultNotifications);

    public static readonly TriggerSetting SweepSchedule = Schedule("DISPATCH_SWEEP_SCHEDULE", "0 * * * * *");

    public static readonly TriggerSetting MaintenanceSchedule = Schedule("LEDGER_MAINTENANCE_SCHEDULE", "0 */10 * * * *");

    public static readonly TriggerSetting SchedulesPollSchedule = Schedule("SCHEDULES_POLL_SCHEDULE", "0 * * * * *");

    public static readonly TriggerSetting CalendarPollSchedule = Schedule("CALENDAR_POLL_SCHEDULE", "0 */5 * * * *");

    public static readonly TriggerSetting Microsoft365Queue = Queue(Microsoft365.MailboxWorkQueue.Setting, Microsoft365.MailboxWorkQueue.DefaultName);

    /// <summary>Renewals and due resyncs of Microsoft 365 mailboxes; a mailbox is resynced every Microsoft365:ResyncInterval at most this late.</summary>
    public static readonly TriggerSetting Microsoft365Schedule = Schedule("MICROSOFT365_SCHEDULE", "0 */5 * * * *");

    public static IReadOnlyList<TriggerSetting> All { get; } =
        [RequestsQueue, WakeQueue, NotificationsQueue, SweepSchedule, MaintenanceSchedule, SchedulesPollSchedule, CalendarPollSchedule, Microsoft365Queue, Microsoft365Schedule];

    /// <summary>Every trigger setting with the app's default value.</summary>
    public static IReadOnlyDictionary<string, string?> Defaults { get; } = All.ToDictionary(s => s.Name, s => (string?)s.Default, StringComparer.Ordinal);

    /// <summary>Adds the default of every trigger setting <paramref name="settings"/> does not have yet.</summary>
    public static Dictionary<string, string?> WithDefaults(Dictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var (name, value) in Defaults)
        {
            settings.TryAdd(name, value);
        }

        return settings;
    }

    private static TriggerSetting Queue(string name, string value)
        => new(name, value, QueueNames.Rule, text => QueueNames.IsValid(text) ? null : "not a queue name this app can use");

    // The Functions host parses these itself (NCRONTAB, six fields with seconds); here only presence is checked.
    private static TriggerSetting Schedule(string name, string value)
        => new(name, value, "an NCRONTAB expression such as '0 */5 * * * *' (second minute hour day month weekday, UTC)", _ => null);
}
