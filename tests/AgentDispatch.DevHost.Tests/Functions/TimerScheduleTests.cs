using AgentDispatch.DevHost.Functions;
using static AgentDispatch.DevHost.Tests.Functions.RunnerTesting;

namespace AgentDispatch.DevHost.Tests.Functions;

public sealed class TimerScheduleTests
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("0 */5 * * * *", "2026-03-10T12:05:00Z")]   // six-field NCRONTAB: seconds first
    [InlineData("30 0 12 * * *", "2026-03-10T12:00:30Z")]
    [InlineData("*/15 * * * *", "2026-03-10T12:15:00Z")]     // five-field cron
    [InlineData("0 0 9 * * Mon", "2026-03-16T09:00:00Z")]
    [InlineData("00:10:00", "2026-03-10T12:10:00Z")]         // TimeSpan interval
    [InlineData("1.00:00:00", "2026-03-11T12:00:00Z")]
    public void Parse_AcceptsWhatAzureFunctionsAccepts(string expression, string next)
    {
        var schedule = TimerSchedule.Parse(expression, TimeZoneInfo.Utc);

        Assert.Equal(DateTimeOffset.Parse(next, System.Globalization.CultureInfo.InvariantCulture), schedule.GetNextOccurrence(Noon));
    }

    [Theory]
    [InlineData("* * * *")]
    [InlineData("61 * * * * *")]
    [InlineData("-00:01:00")]
    [InlineData("daily")]
    public void Parse_RefusesAnythingElse(string expression)
        => Assert.Throws<FormatException>(() => TimerSchedule.Parse(expression, TimeZoneInfo.Utc));

    [Fact]
    public void NextOccurrence_IsStrictlyAfterTheGivenTime()
    {
        var schedule = TimerSchedule.Parse("0 0 12 * * *", TimeZoneInfo.Utc);

        Assert.Equal(Noon.AddDays(1), schedule.GetNextOccurrence(Noon));
    }

    [Theory]
    [InlineData("Europe/Berlin")]
    [InlineData("W. Europe Standard Time")]
    public void ResolveTimeZone_TakesIanaAndWindowsIds_FromWebsiteTimeZone(string id)
    {
        var zone = TimerSchedule.ResolveTimeZone(AppSettings(("WEBSITE_TIME_ZONE", id), ("TZ", "Asia/Tokyo")));
        var schedule = TimerSchedule.Parse("0 0 9 * * *", zone);

        // 09:00 in Berlin is 08:00 UTC in winter.
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 8, 0, 0, TimeSpan.Zero), schedule.GetNextOccurrence(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero)));
        Assert.Equal(new DateTime(2026, 1, 2, 9, 0, 0), schedule.ToScheduleTime(new DateTimeOffset(2026, 1, 2, 8, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void ResolveTimeZone_FallsBackToTz_ThenUtc()
    {
        Assert.Equal(TimeSpan.FromHours(9), TimerSchedule.ResolveTimeZone(AppSettings(("TZ", "Asia/Tokyo"))).BaseUtcOffset);
        Assert.Same(TimeZoneInfo.Utc, TimerSchedule.ResolveTimeZone(AppSettings()));
    }

    [Fact]
    public void ResolveTimeZone_UnknownId_NamesTheSetting()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => TimerSchedule.ResolveTimeZone(AppSettings(("WEBSITE_TIME_ZONE", "Mars/Olympus_Mons"))));

        Assert.StartsWith("WEBSITE_TIME_ZONE is 'Mars/Olympus_Mons'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DaylightSavingChange_KeepsTheLocalTime()
    {
        var schedule = TimerSchedule.Parse("0 0 9 * * *", TimerSchedule.ResolveTimeZone(AppSettings(("WEBSITE_TIME_ZONE", "Europe/Berlin"))));

        // Berlin moves to summer time on 29 March 2026: 09:00 local is then 07:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 7, 0, 0, TimeSpan.Zero), schedule.GetNextOccurrence(new DateTimeOffset(2026, 3, 29, 12, 0, 0, TimeSpan.Zero)));
    }
}
