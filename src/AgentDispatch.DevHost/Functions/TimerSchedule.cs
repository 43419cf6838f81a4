using System.Globalization;
using AgentDispatch.Time;
using Cronos;

namespace AgentDispatch.DevHost.Functions;

/// <summary>
/// A timer trigger's schedule as Azure Functions accepts it: six-field NCRONTAB
/// (<c>{second} {minute} {hour} {day} {month} {day-of-week}</c>), five-field cron, or a TimeSpan
/// interval (<c>hh:mm:ss</c>), evaluated in the app's time zone.
/// </summary>
public sealed class TimerSchedule
{
    private readonly CronExpression? _cron;
    private readonly TimeSpan _interval;

    private TimerSchedule(string expression, CronExpression? cron, TimeSpan interval, TimeZoneInfo timeZone)
    {
        Expression = expression;
        _cron = cron;
        _interval = interval;
        TimeZone = timeZone;
    }

    public string Expression { get; }

    public TimeZoneInfo TimeZone { get; }

    /// <exception cref="FormatException">Neither a CRON expression nor a positive TimeSpan.</exception>
    public static TimerSchedule Parse(string expression, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(timeZone);
        var trimmed = expression.Trim();
        var fields = CronParser.FieldCount(trimmed);
        if (fields is 5 or 6)
        {
            return CronParser.TryParse(trimmed, out var cron, out var error)
                ? new TimerSchedule(trimmed, cron, TimeSpan.Zero, timeZone)
                : throw new FormatException($"'{trimmed}' is not a valid CRON expression: {error}");
        }

        // The host falls back to TimeSpan.TryParse for anything that is not CRON.
        if (fields == 1 && TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out var interval) && interval > TimeSpan.Zero)
        {
            return new TimerSchedule(trimmed, null, interval, timeZone);
        }

        throw new FormatException(
            $"'{trimmed}' is not a valid schedule: use six-field NCRONTAB ('{{second}} {{minute}} {{hour}} {{day}} {{month}} {{day-of-week}}'), five-field cron or a TimeSpan such as '00:05:00'.");
    }

    /// <summary>
    /// The time zone for timer schedules: <c>WEBSITE_TIME_ZONE</c>, else <c>TZ</c> (IANA or Windows
    /// id), else UTC, as the Functions host reads them.
    /// </summary>
    public static TimeZoneInfo ResolveTimeZone(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var setting in new[] { "WEBSITE_TIME_ZONE", "TZ" })
        {
            var id = configuration[setting];
            if (string.IsNullOrWhiteSpace(id))
            {
                continue;
            }

            return TimeZoneLookup.TryFind(id.Trim(), out var zone, out _)
                ? zone
                : throw new InvalidOperationException(
                    $"{setting} is '{id}', which is not a time zone this machine knows. Use an IANA id (Europe/London) or a Windows id (GMT Standard Time).");
        }

        return TimeZoneInfo.Utc;
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>; null when the expression never fires again.</summary>
    public DateTimeOffset? GetNextOccurrence(DateTimeOffset after)
        => _cron is null ? after + _interval : _cron.GetNextOccurrence(after, TimeZone);

    /// <summary>A time as <see cref="Microsoft.Azure.Functions.Worker.ScheduleStatus"/> carries it: in the schedule's time zone.</summary>
    public DateTime ToScheduleTime(DateTimeOffset time)
        => TimeZone == TimeZoneInfo.Utc ? time.UtcDateTime : TimeZoneInfo.ConvertTime(time, TimeZone).DateTime;

    public override string ToString() => $"{Expression} ({TimeZone.Id})";
}
