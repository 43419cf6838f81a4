using System.Globalization;
using AgentDispatch.Schedules;
using Microsoft.Extensions.Configuration;

namespace AgentDispatch.Core.Tests.Schedules;

/// <summary>Reading schedules from settings and evaluating them in a time zone, across both 2026 DST changes in Europe/Berlin.</summary>
public sealed class ScheduleTests
{
    internal static Schedule One(string cron, string timeZone = "Europe/Berlin", Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Schedules:0:Name"] = "standup",
            ["Schedules:0:Cron"] = cron,
            ["Schedules:0:TimeZone"] = timeZone,
            ["Schedules:0:MeetingId"] = "abcd-efgh-ijkl",
            ["Schedules:0:AgentId"] = "agent-1",
        };
        foreach (var (key, value) in more ?? [])
        {
            settings[key] = value;
        }

        var options = new ScheduleOptions();
        options.ReadFrom(new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(ScheduleOptions.Section));
        var failures = new List<string>();
        var schedules = ScheduleParser.Parse(options, failures);
        Assert.Empty(failures);
        return Assert.Single(schedules);
    }

    internal static DateTimeOffset At(string utc) => DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static string[] Occurrences(Schedule schedule, string after, string until)
        => [.. schedule.OccurrencesBetween(At(after), At(until)).Select(o => o.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture))];

    [Fact]
    public void WeekdaysAtNineInBerlin_Are0800ZInWinterAnd0700ZInSummer()
    {
        var schedule = One("0 9 * * 1-5");

        Assert.Equal(["2026-03-26T08:00Z", "2026-03-27T08:00Z", "2026-03-30T07:00Z"], Occurrences(schedule, "2026-03-26T00:00:00Z", "2026-03-31T00:00:00Z"));
        Assert.Equal(["2026-10-22T07:00Z", "2026-10-23T07:00Z", "2026-10-26T08:00Z"], Occurrences(schedule, "2026-10-22T00:00:00Z", "2026-10-27T00:00:00Z"));
    }

    [Fact]
    public void ATimeInTheSpringForwardGap_MovesToTheFirstTimeAfterIt()
    {
        // 2026-03-29 02:00 CET becomes 03:00 CEST: 02:30 does not exist that night.
        var schedule = One("30 2 * * *");

        Assert.Equal(["2026-03-28T01:30Z", "2026-03-29T01:00Z", "2026-03-30T00:30Z"], Occurrences(schedule, "2026-03-27T12:00:00Z", "2026-03-30T12:00:00Z"));
    }

    [Fact]
    public void ATimeInTheRepeatedFallBackHour_OccursOnceAtItsFirstPass()
    {
        // 2026-10-25 03:00 CEST becomes 02:00 CET: 02:30 happens at 00:30Z and again at 01:30Z.
        var schedule = One("30 2 * * *");

        Assert.Equal(["2026-10-24T00:30Z", "2026-10-25T00:30Z", "2026-10-26T01:30Z"], Occurrences(schedule, "2026-10-23T12:00:00Z", "2026-10-26T12:00:00Z"));
        // Looked at from inside the second pass, the first is past and the second is not another occurrence.
        Assert.Empty(Occurrences(schedule, "2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z"));
    }

    [Fact]
    public void AnHourlySchedule_RunsEveryRealHourAcrossBothChanges()
    {
        var schedule = One("30 * * * *");

        // Fall back: 02:30 local twice, as two real hours apart.
        Assert.Equal(["2026-10-24T23:30Z", "2026-10-25T00:30Z", "2026-10-25T01:30Z", "2026-10-25T02:30Z"], Occurrences(schedule, "2026-10-24T23:00:00Z", "2026-10-25T03:00:00Z"));
        // Spring forward: the missing 02:30 becomes 03:00, half an hour before 03:30.
        Assert.Equal(["2026-03-28T23:30Z", "2026-03-29T00:30Z", "2026-03-29T01:00Z", "2026-03-29T01:30Z"], Occurrences(schedule, "2026-03-28T23:00:00Z", "2026-03-29T02:00:00Z"));
    }

    [Fact]
    public void SeveralTimesMovedOntoOneInstant_AreOneOccurrence()
    {
        var schedule = One("15,45 2 * * *");

        Assert.Equal(["2026-03-29T01:00Z"], Occurrences(schedule, "2026-03-28T23:00:00Z", "2026-03-29T03:00:00Z"));
    }

    [Fact]
    public void SixFields_IncludeSeconds()
    {
        var schedule = One("30 0 9 * * *", "UTC");

        Assert.Equal([At("2026-03-27T09:00:30Z")], schedule.OccurrencesBetween(At("2026-03-27T08:00:00Z"), At("2026-03-27T10:00:00Z")));
    }

    [Fact]
    public void OccurrencesBetween_ExcludesTheStartAndIncludesTheEnd()
    {
        var schedule = One("0 9 * * *", "UTC");

        Assert.Empty(schedule.OccurrencesBetween(At("2026-03-27T09:00:00Z"), At("2026-03-27T10:00:00Z")));
        Assert.Single(schedule.OccurrencesBetween(At("2026-03-27T08:00:00Z"), At("2026-03-27T09:00:00Z")));
    }

    [Fact]
    public void KeyFor_IsTheNameAndTheUtcTime_WhateverTheOffsetItIsGivenIn()
    {
        var schedule = One("0 9 * * 1-5");

        Assert.Equal("schedule:standup\n2026-03-27T08:00:00.0000000Z", schedule.KeyFor(At("2026-03-27T08:00:00Z")));
        Assert.Equal(schedule.KeyFor(At("2026-03-27T08:00:00Z")), schedule.KeyFor(new DateTimeOffset(2026, 3, 27, 9, 0, 0, TimeSpan.FromHours(1))));
        Assert.Equal("schedule:standup", schedule.Origin);
    }

    [Fact]
    public void Settings_AreReadIntoTheDispatchRequest()
    {
        var schedule = One("0 9 * * 1-5", more: new()
        {
            ["Schedules:0:VersionId"] = "v-7",
            ["Schedules:0:Metadata"] = """{"variables":[{"name":"team","value":"core"}]}""",
            ["Schedules:0:Window"] = "00:30:00",
        });

        Assert.Equal("Europe/Berlin", schedule.TimeZone.Id);
        Assert.Equal("abcd-efgh-ijkl", schedule.Dispatch.MeetingId);
        Assert.Equal("agent-1", schedule.Dispatch.AgentId);
        Assert.Equal("v-7", schedule.Dispatch.VersionId);
        Assert.Equal("""{"variables":[{"name":"team","value":"core"}]}""", schedule.Dispatch.Metadata!.Value.GetRawText());
        Assert.Equal(TimeSpan.FromMinutes(30), schedule.Window);
    }

    [Fact]
    public void Defaults_AreUtcTheEntryKeyAsNameAndTheJobsWindow()
    {
        var options = new ScheduleOptions();
        options.ReadFrom(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Schedules:0:Cron"] = "0 9 * * *",
            ["Schedules:0:MeetingId"] = "m",
            ["Schedules:0:AgentId"] = "a",
            ["Schedules:0:VersionId"] = "",
        }).Build().GetSection(ScheduleOptions.Section));

        var schedule = Assert.Single(ScheduleParser.Parse(options, []));

        Assert.Equal("0", schedule.Name);
        Assert.Same(TimeZoneInfo.Utc, schedule.TimeZone);
        Assert.Null(schedule.Window);
        Assert.Null(schedule.Dispatch.VersionId);
        Assert.Null(schedule.Dispatch.Metadata);
    }
}
