using System.Globalization;
using AgentDispatch.Dispatch;
using AgentDispatch.Jobs;
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
    /// A range that ends before it starts has none (Cronos would throw), and neither have the first two days of the
    /// calendar nor the time after the last occurrence Cronos can compute (see <see cref="CalendarMargin"/>).
    /// </summary>
    public IEnumerable<DateTimeOffset> OccurrencesBetween(DateTimeOffset after, DateTimeOffset until)
    {
        var from = after.UtcTicks - DateTimeOffset.MinValue.UtcTicks < CalendarMargin.Ticks ? DateTimeOffset.MinValue + CalendarMargin : after;
        return from >= until ? [] : Occurrences(from, until).Select(o => o.ToUniversalTime()).Distinct();
    }

    /// <summary>
    /// How close to the ends of the calendar Cronos cannot go: it reads occurrences in local time, up to 14 hours
    /// from UTC and shifted again around a DST change, and a local time before 0001-01-01 or after 9999-12-31 makes
    /// it throw. Ranges start at least this far from the beginning, and end where Cronos throws near the end.
    /// </summary>
    private static readonly TimeSpan CalendarMargin = TimeSpan.FromDays(2);

    /// <summary>
    /// Cronos's occurrences, one after the other, each strictly after the one before. Where a zone changed its offset
    /// without DST (Asia/Kathmandu went from +05:30 to +05:45 at 1986-01-01 00:00), Cronos 0.13 answers an occurrence
    /// at or before the time it was asked after, and its own GetOccurrences repeats it forever; here the question is
    /// moved on a second at a time until the answer is later.
    /// </summary>
    private IEnumerable<DateTimeOffset> Occurrences(DateTimeOffset from, DateTimeOffset until)
    {
        var after = from;
        for (var stuck = 0; stuck < 86_400;)
        {
            if (Next(after) is not { } next || next > until)
            {
                yield break;
            }

            if (next > after)
            {
                stuck = 0;
                after = next;
                yield return next;
            }
            else if (Instants.Plus(after, TimeSpan.FromSeconds(1)) is { } later)
            {
                stuck++;
                after = later;
            }
            else
            {
                yield break;
            }
        }
    }

    private DateTimeOffset? Next(DateTimeOffset after)
    {
        try
        {
            return _expression.GetNextOccurrence(after, TimeZone, inclusive: false);
        }
        catch (ArgumentOutOfRangeException)
        {
            // Only at the end of the calendar (the start is kept clear of): no occurrence there could be a job.
            return null;
        }
    }

    /// <summary>
    /// The job key of one occurrence: the schedule's name and the occurrence's UTC time. The ledger keeps
    /// one job per key, so however often the timer evaluates an occurrence, it is dispatched once.
    /// </summary>
    public string KeyFor(DateTimeOffset occurrence)
        => string.Create(CultureInfo.InvariantCulture, $"schedule:{Name}\n{occurrence.UtcDateTime:O}");
}
