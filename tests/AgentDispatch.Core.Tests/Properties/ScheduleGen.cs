using AgentDispatch.Schedules;
using CsCheck;

namespace AgentDispatch.Core.Tests.Properties;

/// <summary>One generated schedule definition, the time it is evaluated at, and the default window it falls back to.</summary>
internal sealed record ScheduleCase(ScheduleSettings Entry, DateTimeOffset Now, TimeSpan DefaultWindow, DateTimeOffset From, DateTimeOffset Until)
{
    public override string ToString()
        => $"Name={Show(Entry.Name)} Cron={Show(Entry.Cron)} TimeZone={Show(Entry.TimeZone)} MeetingId={Show(Entry.MeetingId)} AgentId={Show(Entry.AgentId)} "
            + $"Window={Show(Entry.Window)} Metadata={Show(Entry.Metadata)}\nNow={Now:O} DefaultWindow={DefaultWindow:c} From={From:O} Until={Until:O}";

    private static string Show(string? value) => value is null ? "null" : "'" + FeedCase.Show(value) + "'";
}

/// <summary>
/// Generates schedule settings as people and templates get them wrong: cron expressions valid and broken,
/// with 4 to 7 fields and every special character, time zones known, unknown and garbage, windows from a
/// tick to years, hostile names; and the time they are evaluated at across the whole calendar.
/// </summary>
internal static class ScheduleGen
{
    private static readonly string[] Crons =
    [
        "* * * * *", "* * * * * *", "0 0 29 2 *", "59 23 31 12 *", "59 59 23 31 12 *", "0 9 * * 1-5", "*/1 * * * * *", "0 0 31 2 *",
        "0 0 30 2 *", "0 0 L * *", "0 0 LW * *", "0 0 * * 5L", "0 0 * * 5#5", "0 0 29 2 1", "30 2 * * *", "0 0 1 1 *", "0 0 ? * MON#1",
        "@yearly", "@every_second", "@every_minute", "@hourly", "0 0 L-30 * *", "0 0 31 * *", "0 30 2 * * *", "*/7 */3 * * *", "0 0 1 1 * *",
        "0 0 29 2 * ", " 0 0 * * *", "0\t0\t*\t*\t*", "0 0 15W * *", "0 0 * JAN-DEC SUN-SAT",
    ];

    private static readonly string[] Fields =
    [
        "*", "0", "59", "60", "-1", "*/0", "*/1000", "1-0", "L", "W", "?", "#", "5#6", "MON-FRI", "JAN", "abc", "1,2,3", "0-59/7", "31", "32",
        "29", "2", "12", "13", "L-1", "7", "8", "SUN", "*/2147483647", "99999999999", "\u0661", "١٢", "?/2", "L-31", "0W", "1-5/0", "**", ",",
    ];

    private static readonly string[] Zones =
    [
        "UTC", "Europe/Berlin", "America/New_York", "W. Europe Standard Time", "Pacific/Kiritimati", "Australia/Lord_Howe", "Pacific/Apia",
        "Etc/GMT+12", "Etc/GMT-14", "Asia/Kathmandu", "America/St_Johns", "Europe/London", "Local",
        "Mars/Olympus_Mons", "", " ", "../../etc/passwd", "\u200B", "Europe/Berlin\u200B", "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/tz)",
        new string('z', 1000), "\uD800", "Etc/GMT+99", "+01:00", "EST5EDT", "Europe/berlin",
    ];

    private static readonly string[] Names =
    [
        "standup", "", "a", new string('a', 64), new string('a', 65), "a b", "\u00FCn\u00EFcode", "\u200B", "name\u202E", "Schedules:0", "..",
        "a-b_c", "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/n)", "\uD800", "\u0661", "STANDUP", "name\n",
    ];

    private static readonly string[] Ids = ["abcd-efgh-ijkl", "agent-1", "", " ", "x y", "\u200Bid", new string('i', 5000), "id\uD800", " id", "id\n", "@Microsoft.KeyVault(x)"];

    private static readonly string[] Windows =
    [
        "00:00:01", "1.00:00:00", "1.00:00:01", "-00:01:00", "00:00:00", "garbage", "10675199.02:48:05.4775807", "00:15:00", "00:00:00.0000001",
        "-10675199.02:48:05.4775808", "24:00:00", "0:0:0:1", "\u0661:00:00", "23:59:59.9999999",
    ];

    private static readonly string[] Metadata = ["{}", "[", "{\"a\":1}", "{\"variables\":[{\"name\":\"team\",\"value\":\"core\"}]}", "null", "\"x\"", "{\"a\":{\"a\":{\"a\":{\"a\":{}}}}}"];

    private static Gen<string?> Maybe(int percent, Gen<string> value)
        => Gen.Frequency((percent, value.Select(v => (string?)v)), (100 - percent, Gen.Const((string?)null)));

    private static readonly Gen<string> Cron = Gen.Frequency(
        (5, Gen.OneOf(Crons)),
        (4, Gen.Int[4, 7].SelectMany(n => Gen.OneOf(Fields).Array[n]).Select(fields => string.Join(' ', fields))),
        (1, Gen.String[Gen.Char, 0, 30]),
        (1, Gen.Int[1, 10_000].Select(n => string.Join(' ', Enumerable.Repeat("*", n)))));

    /// <summary>Times across the calendar, weighted to its ends, where adding a window or look-ahead is no longer a time.</summary>
    public static readonly Gen<DateTimeOffset> Time = Gen.Frequency(
        (5, Gen.Long[new DateTime(2000, 1, 1).Ticks, new DateTime(2100, 1, 1).Ticks]),
        (2, Gen.Long[DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks]),
        (1, Gen.Long[DateTime.MinValue.Ticks, DateTime.MinValue.Ticks + TimeSpan.FromDays(2).Ticks]),
        (1, Gen.Long[DateTime.MaxValue.Ticks - TimeSpan.FromDays(2).Ticks, DateTime.MaxValue.Ticks]),
        (1, Gen.OneOf(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks, new DateTime(9999, 12, 31).Ticks, new DateTime(2028, 2, 29).Ticks)))
        .Select(ticks => new DateTimeOffset(ticks, TimeSpan.Zero));

    private static readonly Gen<TimeSpan> DefaultWindow = Gen.Frequency(
        (4, Gen.Long[1, TimeSpan.FromDays(1).Ticks]),
        (1, Gen.OneOf(1L, TimeSpan.TicksPerMinute * 10, TimeSpan.MaxValue.Ticks, TimeSpan.FromDays(365 * 9000).Ticks)),
        (1, Gen.Long[1, TimeSpan.MaxValue.Ticks]))
        .Select(ticks => new TimeSpan(ticks));

    /// <summary>Every setting hostile.</summary>
    public static readonly Gen<ScheduleCase> Schedule = Make(hostileIds: true);

    /// <summary>Only what decides when (cron, time zone, window) hostile, so most cases are schedules to evaluate.</summary>
    public static readonly Gen<ScheduleCase> Timing = Make(hostileIds: false);

    private static Gen<ScheduleCase> Make(bool hostileIds)
        => Gen.Select(
            Gen.Select(
                hostileIds ? Maybe(90, Gen.Frequency((4, Gen.Const("standup")), (3, Gen.OneOf(Names)))) : Gen.Const((string?)"standup"),
                Maybe(95, Cron),
                Maybe(85, Gen.OneOf(Zones)),
                hostileIds ? Maybe(95, Gen.Frequency((5, Gen.Const("abcd-efgh-ijkl")), (1, Gen.OneOf(Ids)))) : Gen.Const((string?)"abcd-efgh-ijkl"),
                hostileIds ? Maybe(95, Gen.Frequency((5, Gen.Const("agent-1")), (1, Gen.OneOf(Ids)))) : Gen.Const((string?)"agent-1"),
                Maybe(50, Gen.OneOf(Windows)),
                hostileIds ? Maybe(20, Gen.OneOf(Metadata)) : Gen.Const((string?)null)),
            Time,
            DefaultWindow,
            Time,
            Time)
        .Select(parts =>
        {
            var ((name, cron, zone, meeting, agent, window, metadata), now, defaultWindow, from, until) = parts;
            var entry = new ScheduleSettings
            {
                Key = "0",
                Name = name,
                Cron = cron,
                TimeZone = zone,
                MeetingId = meeting,
                AgentId = agent,
                Window = window,
                Metadata = metadata,
            };
            return new ScheduleCase(entry, now, defaultWindow, from, until);
        });
}
