using System.Globalization;
using AgentDispatch.Dispatch;
using Cronos;

namespace AgentDispatch.Schedules;

/// <summary>
/// One recurring dispatch, checked and ready to evaluate: when (a cron expression read in a time
/// zone), what (VideoSDK's dispatch request) and how long after each occurrence it is still useful.
/// </summary>
public sealed class Schedule
{
    private readonly CronExpression _expression;

    internal Schedule(string name, string path, string cron, CronExpression expression, TimeZoneInfo timeZone, DispatchRequest dispatch, TimeSpan? window)
    {
        Name = name;
        Path = path;
        Cron = cron;
        _expression = expression;
        TimeZone = timeZone;
        Dispatch = dispatch;
        Window = window;
    }

    public string Name { get; }

    /// <summary>Where the schedule is configured, e.g. <c>Schedules:0</c>.</summary>
    public string Path { get; }

    public string Cron { get; }

    public TimeZoneInfo TimeZone { get; }

    public DispatchRequest Dispatch { get; }

    /// <summary>Null: <c>Jobs:DefaultWindow</c>.</summary>
    public TimeSpan? Window { get; }

    /// <summary>The <c>origin</c> of the schedule's jobs.</summary>
    public string Origin => "schedule:" + Name;

    /// <summary>
    /// Occurrences after <paramref name="after"/> up to and including <paramref name="until"/>, in UTC, in
    /// order, each instant once. Cronos reads the expression in local time: an occurrence in the hour a
    /// spring-forward skips moves to the first valid time after the gap; in the hour a fall-back repeats, a
    /// fixed time (<c>30 2 * * *</c>) occurs once, at its first (summer-time) instant, while an expression
    /// with <c>*</c>, a range or a step in the second, minute or hour field occurs in both passes.
    /// Several local times that land on one instant (02:00 and 02:30 both moved to 03:00) are one occurrence.
    /// </summary>
    public IEnumerable<DateTimeOffset> OccurrencesBetween(DateTimeOffset after, DateTimeOffset until)
        => _expression.GetOccurrences(after, until, TimeZone, fromInclusive: false, toInclusive: true)
            .Select(o => o.ToUniversalTime())
            .Distinct();

    /// <summary>
    /// The job key of one occurrence: the schedule's name and the occurrence's UTC time. The ledger keeps
    /// one job per key, so however often the timer evaluates an occurrence, it is dispatched once.
    /// </summary>
    public string KeyFor(DateTimeOffset occurrence)
        => string.Create(CultureInfo.InvariantCulture, $"schedule:{Name}\n{occurrence.UtcDateTime:O}");
}
