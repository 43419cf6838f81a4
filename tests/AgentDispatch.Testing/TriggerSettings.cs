namespace AgentDispatch.Testing;

/// <summary>
/// The app settings the trigger attributes read as <c>%NAME%</c>, with the sample's values: a host
/// does not start without them, as in Azure.
/// </summary>
public static class TriggerSettings
{
    public static IReadOnlyDictionary<string, string?> Defaults { get; } = new Dictionary<string, string?>
    {
        ["DISPATCH_REQUESTS_QUEUE"] = "agent-dispatch-requests",
        ["DISPATCH_WAKE_QUEUE"] = "agent-dispatch-wake",
        ["DISPATCH_SWEEP_SCHEDULE"] = "0 * * * * *",
        ["SCHEDULES_POLL_SCHEDULE"] = "0 * * * * *",
        ["CALENDAR_POLL_SCHEDULE"] = "0 */5 * * * *",
    };

    /// <summary>Adds the defaults for every trigger setting <paramref name="settings"/> does not have yet.</summary>
    public static Dictionary<string, string?> With(Dictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var (key, value) in Defaults)
        {
            settings.TryAdd(key, value);
        }

        return settings;
    }
}
