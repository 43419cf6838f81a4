using AgentDispatch.Core.Tests.Schedules;

namespace AgentDispatch.Core.Tests.Properties;

/// <summary>Schedules <see cref="ScheduleProperties"/> found a bug with, shrunk to what it takes.</summary>
public sealed class ScheduleRegressionTests
{
    [Fact]
    public void OccurrencesBetween_ARangeThatEndsBeforeItStarts_IsEmptyInsteadOfACronosException()
    {
        var schedule = ScheduleTests.One("0 0 31 * *", "Pacific/Apia");

        Assert.Empty(schedule.OccurrencesBetween(ScheduleTests.At("2005-07-31T08:00:08Z"), ScheduleTests.At("0001-01-02T20:00:42Z")));
        Assert.Empty(schedule.OccurrencesBetween(ScheduleTests.At("2026-03-31T00:00:00Z"), ScheduleTests.At("2026-03-31T00:00:00Z")));
    }

    [Fact]
    public void OccurrencesBetween_UpToTheEndOfTheCalendarInAZoneAheadOfUtc_EndsInsteadOfACronosException()
    {
        // Cronos computes each occurrence's local time, here up to 14 hours after 9999-12-31 in UTC.
        var schedule = ScheduleTests.One("*/7 */3 * * *", "Etc/GMT-14");
        var after = ScheduleTests.At("9999-12-31T01:47:23Z");

        var occurrences = schedule.OccurrencesBetween(after, DateTimeOffset.MaxValue).ToList();

        Assert.All(occurrences, o => Assert.InRange(o, after, DateTimeOffset.MaxValue));
    }

    [Fact]
    public void OccurrencesBetween_FromTheStartOfTheCalendarInAZoneBehindUtc_FindsTheOccurrencesAfterItsFirstDays()
    {
        var schedule = ScheduleTests.One("0 12 * * *", "Etc/GMT+12");

        var occurrences = schedule.OccurrencesBetween(DateTimeOffset.MinValue, DateTimeOffset.MinValue.AddDays(5)).ToList();

        Assert.Equal([DateTimeOffset.MinValue.AddDays(3), DateTimeOffset.MinValue.AddDays(4), DateTimeOffset.MinValue.AddDays(5)], occurrences);
    }

    [Fact]
    public void OccurrencesBetween_AcrossAnOffsetChangeWithoutDst_MovesOnInsteadOfRepeatingAnOccurrenceForever()
    {
        // Asia/Kathmandu went from +05:30 to +05:45 at local midnight 1986-01-01, which never happened.
        var schedule = ScheduleTests.One("0 0 1 1 *", "Asia/Kathmandu");

        var occurrences = schedule.OccurrencesBetween(ScheduleTests.At("1981-11-11T06:19:49Z"), ScheduleTests.At("1988-01-02T00:00:00Z")).Take(100).ToList();

        Assert.Equal(7, occurrences.Count);
        Assert.Equal(ScheduleTests.At("1987-12-31T18:15:00Z"), occurrences[^1]);
    }
}
