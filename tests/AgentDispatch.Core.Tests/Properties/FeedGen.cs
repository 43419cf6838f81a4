using System.Globalization;
using System.Text;
using AgentDispatch.Calendars;
using CsCheck;

namespace AgentDispatch.Core.Tests.Properties;

/// <summary>One generated feed: its text, when it is read, and the well-formed events hidden in it that must be found.</summary>
/// <param name="FeedSecret">The private token of the feed's URL, written into the feed's own properties: no problem may repeat it.</param>
internal sealed record FeedCase(string FeedName, string FeedSecret, DateTimeOffset Now, TimeSpan Horizon, string Text, IReadOnlyList<ValidEvent> Valid)
{
    public override string ToString()
        => $"FeedName={Show(FeedName)} Now={Now:O} Horizon={Horizon:c} Secret={FeedSecret}\nValid: {string.Join(", ", Valid.Select(v => $"{v.Uid} at {v.Start:O}"))}\n{Show(Text)}";

    /// <summary>The text with what a terminal would hide or mangle (controls, invisibles, surrogates, non-ASCII) escaped, and cut short.</summary>
    public static string Show(string text)
    {
        var shown = new StringBuilder();
        foreach (var c in text.Length > 20_000 ? text[..20_000] : text)
        {
            shown.Append(c switch
            {
                '\n' => "\\n\n",
                '\r' => "\\r",
                _ when c is >= ' ' and <= '~' => c.ToString(),
                _ => $"\\u{(int)c:X4}",
            });
        }

        return text.Length > 20_000 ? shown + $"... ({text.Length} chars)" : shown.ToString();
    }
}

/// <summary>An event any reader must find: UTC start inside the window, no recurrence, a VideoSDK meeting id in its URL.</summary>
internal sealed record ValidEvent(string Uid, DateTimeOffset Start);

/// <summary>
/// Generates iCalendar feeds full of what calendars and attackers write: times at the ends of the calendar,
/// every kind of TZID, absurd durations and rules, look-alike UIDs, invisible and broken text, folded and
/// unterminated lines, deep nesting. A share of well-formed events is hidden among them.
/// </summary>
internal static class FeedGen
{
    public const string MeetingId = "abcd-efgh-ijkl";

    private const string Crlf = "\r\n";

    private static readonly long MinTicks = DateTime.MinValue.Ticks;

    private static readonly long MaxTicks = DateTime.MaxValue.Ticks;

    public static readonly Gen<DateTimeOffset> Now = Gen.Frequency(
        (6, Gen.Long[new DateTime(2000, 1, 1).Ticks, new DateTime(2100, 1, 1).Ticks]),
        (2, Gen.Long[MinTicks, MaxTicks]),
        (1, Gen.Long[MinTicks, MinTicks + TimeSpan.FromDays(3).Ticks]),
        (1, Gen.Long[MaxTicks - TimeSpan.FromDays(40).Ticks, MaxTicks]))
        .Select(ticks => new DateTimeOffset(ticks, TimeSpan.Zero));

    private static readonly Gen<TimeSpan> Horizon = Gen.Frequency(
        (1, Gen.Const(TimeSpan.FromHours(1))),
        (1, Gen.Const(TimeSpan.FromDays(31))),
        (4, Gen.Long[TimeSpan.FromHours(1).Ticks, TimeSpan.FromDays(31).Ticks].Select(t => new TimeSpan(t))));

    private static readonly string[] KnownZones =
    [
        "Europe/Berlin", "America/New_York", "W. Europe Standard Time", "UTC", "Etc/GMT+12", "Etc/GMT-14",
        "Pacific/Kiritimati", "Australia/Lord_Howe", "Asia/Kathmandu", "America/St_Johns", "Pacific/Apia", "Europe/London",
    ];

    private static readonly string[] OddZones =
    [
        "Mars/Olympus_Mons", "Europe/Atlantis", "GMT+25", "", " ", "\"Europe/Berlin\"", "Europe/Berlin\u200B", "\u202EEurope/Berlin",
        "/", "..", "../../etc/passwd", new string('z', 600), "(UTC+01:00) Amsterdam, Berlin", "\"Custom: zone; odd\"", "Europe/Berlin,America/New_York",
        "/mozilla.org/20050126_1/Europe/Berlin", "Еurope/Berlin", "\uD800", "Etc/GMT+99", "+01:00", "EST5EDT", "Local",
    ];

    private static readonly string[] GarbageTimes =
    [
        "", "garbage", "20261332T256161Z", "00000000T000000Z", "99999999T999999", "2026-03-10T10:00:00Z", "20260310T100000ZZ",
        "T", "20260310T1000", "-20260310T100000Z", "+999999999", "20260310T100000Z,20260311T100000Z", "\u0662\u0660\u0662\u0666\u0660\u0663\u0661\u0660T\u0661\u0660\u0660\u0660\u0660\u0660Z",
        "00010101T000000Z", "99991231T235959Z", "99991231T235960Z", "00001231T000000Z", "20260230T100000Z", "20261010T246000", "20260310T100000Z/PT1H",
        "20260310t100000z", " 20260310T100000Z", "20260310T100000.5Z", new string('9', 400),
    ];

    private static readonly string[] Durations =
    [
        "PT1H", "P1D", "-PT1H", "P9999999W", "P99999999D", "PT0S", "P", "PT", "garbage", "P1Y", "+P1W", "PT-1H", "P10675199DT2H48M5S",
        "P10675200D", "-P10675199D", "PT9223372036854775807S", "P1W2D", "PT1H30M", "P0D", "", "PT1.5H", "\u0661PT",
    ];

    private static readonly string[] Frequencies = ["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY", "FOO", "", "daily"];

    private static readonly string[] Sequences = ["0", "1", "-1", "2147483647", "2147483648", "-2147483648", "99999999999999999999", "abc", "", "1.5", "\u0661"];

    private static readonly string[] Statuses = ["CONFIRMED", "CANCELLED", "cancelled", "TENTATIVE", "garbage", "", "CANCELLED\u200B"];

    private static readonly string[] Uids =
    [
        "meet-1", "meet-1\u200B", "m\u0435et-1", "meet-1 ", " meet-1", "MEET-1", "meet\u202E-1", "meet-2", "meet-2\uFEFF", "meet-\u0662",
        "", "   ", "\u200B", new string('u', 5000), "\uD800", "a\\,b", "a\\nb", "a;b", "\"quoted\"", "meet-1\u00AD",
    ];

    private static readonly string[] Urls =
    [
        $"https://app.videosdk.live/meeting/{MeetingId}", "not a url", "", "javascript:alert(1)", "http://[::1", "https://exa mple.com",
        "mailto:", "https://x.example/" + new string('p', 5000), "https://xn--80ak6aa92e.com/\u0430bcd-efgh-ijkl", "%ZZ", "://", "https://\uD800.example",
    ];

    private static readonly string[] Addresses =
    [
        "mailto:alice@example.com", "mailto:%ZZ", "mailto:%", "garbage", "", ";CN=\"x\":mailto:x@example.com", "mailto:\u202Eevil@example.com",
        "MAILTO:BOB@EXAMPLE.COM", "mailto:" + new string('a', 3000) + "@example.com", "urn:uuid:1",
    ];

    private static readonly string[] TextPieces =
    [
        "Team standup", "", "\u200B\u200C\u200D\u2060\uFEFF\u00AD", "\u202Eevil\u202C", "\u2066x\u2069", "\u061C", "\uD800", "x\uDC00y", "\uDBFF",
        "a\\,b\\;c\\nd\\\\", "\\", "\\x", "\u0430bcd-efgh-ijkl", MeetingId, "\0", "\u0001\u007F", "\r", "line\nbreak", ";:,\"", "   ",
        "\uD83D\uDE00 emoji", "\u0645\u0631\u062D\u0628\u0627", "END:VEVENT", "BEGIN:VEVENT", "https://app.videosdk.live/meeting/" + MeetingId,
    ];

    /// <summary>A date-time property value and its parameters, anywhere from the year 1 to 9999 but mostly around <paramref name="now"/>.</summary>
    private static Gen<string> Time(string name, DateTime now)
    {
        var at = Gen.Frequency(
            (8, Gen.Long[-TimeSpan.FromDays(3).Ticks, TimeSpan.FromDays(40).Ticks].Select(offset => Clamp(now.Ticks + offset))),
            (1, Gen.Long[MinTicks, MinTicks + TimeSpan.FromDays(2).Ticks]),
            (1, Gen.Long[MaxTicks - TimeSpan.FromDays(2).Ticks, MaxTicks]),
            (1, Gen.Long[MinTicks, MaxTicks]))
            .Select(ticks => new DateTime(ticks - (ticks % TimeSpan.TicksPerSecond), DateTimeKind.Unspecified));
        var zone = Gen.Frequency((3, Gen.OneOf(KnownZones)), (2, Gen.OneOf(OddZones)));
        return Gen.Frequency(
            (5, at.Select(t => $"{name}:{Stamp(t)}Z")),
            (3, at.Select(t => $"{name}:{Stamp(t)}")),
            (4, Gen.Select(at, zone, (t, z) => $"{name};TZID={z}:{Stamp(t)}")),
            (2, at.Select(t => $"{name};VALUE=DATE:{Day(t)}")),
            (1, Gen.Select(at, zone, (t, z) => $"{name};VALUE=DATE;TZID={z}:{Day(t)}")),
            (1, Gen.Select(at, at, (a, b) => $"{name}:{Stamp(a)}Z,{Stamp(b)}Z")),
            (2, Gen.OneOf(GarbageTimes).Select(v => $"{name}:{v}")),
            (1, Gen.Select(Gen.OneOf(GarbageTimes), zone, (v, z) => $"{name};TZID={z}:{v}")),
            (1, Gen.Select(at, zone, (t, z) => $"{name};RANGE=THISANDFUTURE;TZID={z}:{Stamp(t)}")));
    }

    private static string Stamp(DateTime t) => t.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture);

    private static string Day(DateTime t) => t.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>One value from each generator, in order.</summary>
    private static Gen<T[]> All<T>(IEnumerable<Gen<T>> gens)
        => gens.Aggregate(Gen.Const(Array.Empty<T>()), (all, gen) => Gen.Select(all, gen, (values, value) => (T[])[.. values, value]));

    private static long Clamp(long ticks) => Math.Clamp(ticks, MinTicks, MaxTicks);

    private static Gen<string> Rule(DateTime now)
    {
        var part = Gen.OneOf(
            Gen.OneOf("0", "1", "-1", "3", "1000", "2147483647", "99999999999", "abc", "").Select(v => "COUNT=" + v),
            Time("UNTIL", now).Select(t => "UNTIL" + t[(t.IndexOf(':', StringComparison.Ordinal))..].Replace(":", "=", StringComparison.Ordinal)),
            Gen.OneOf("0", "-1", "1", "2", "1000000", "2147483647", "x").Select(v => "INTERVAL=" + v),
            Gen.OneOf("2", "13", "0", "-1", "1,2,3,4,5,6,7,8,9,10,11,12").Select(v => "BYMONTH=" + v),
            Gen.OneOf("30", "31", "-1", "0", "99", "29", "-31").Select(v => "BYMONTHDAY=" + v),
            Gen.OneOf("MO", "1MO", "-1FR", "53SU", "99XX", "MO,TU,WE,TH,FR,SA,SU", "+5MO", "0MO").Select(v => "BYDAY=" + v),
            Gen.OneOf("0", "23", "24", "-1", "0,1,2,3,4,5,6,7,8,9,10,11,12").Select(v => "BYHOUR=" + v),
            Gen.OneOf("0", "59", "60", "-1").Select(v => "BYMINUTE=" + v),
            Gen.OneOf("0", "59", "60", "61").Select(v => "BYSECOND=" + v),
            Gen.OneOf("1", "-1", "0", "400", "-366").Select(v => "BYSETPOS=" + v),
            Gen.OneOf("366", "-366", "0", "400", "60").Select(v => "BYYEARDAY=" + v),
            Gen.OneOf("53", "-53", "0", "54", "1").Select(v => "BYWEEKNO=" + v),
            Gen.OneOf("MO", "SU", "XX", "").Select(v => "WKST=" + v),
            Gen.OneOf("X-FOO=1", "", ";", "=", "FREQ=WEEKLY", "RSCALE=GREGORIAN", "SKIP=BACKWARD"));
        return Gen.Frequency(
            (8, Gen.Select(Gen.OneOf(Frequencies), part.Array[0, 4], (f, parts) => "RRULE:" + string.Join(";", new[] { "FREQ=" + f }.Concat(parts)))),
            (1, part.Array[0, 3].Select(parts => "RRULE:" + string.Join(";", parts))),
            (1, Gen.OneOf("", "FREQ", "FREQ=", ";;;", "freq=daily", "FREQ=DAILY;UNTIL=20260310T100000Z;COUNT=3", "FREQ=SECONDLY;INTERVAL=1", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30")
                .Select(r => "RRULE:" + r)));
    }

    private static readonly Gen<string> Text = Gen.Frequency(
        (6, Gen.OneOf(TextPieces)),
        (1, Gen.Int[1000, 40_000].Select(n => new string('x', n))),
        (1, Gen.Int[100, 5000].Select(n => string.Concat(Enumerable.Repeat("\u202E\u200B\u0430", n)))),
        (2, Gen.String[Gen.Char, 0, 40]))
        .Array[1, 3].Select(pieces => string.Concat(pieces));

    private static Gen<string?> Maybe(int percent, Gen<string> line)
        => Gen.Frequency((percent, line.Select(l => (string?)l)), (100 - percent, Gen.Const((string?)null)));

    /// <summary>A VEVENT's lines, each property there or not, some twice, in a hostile form.</summary>
    private static Gen<string[]> HostileEvent(DateTime now)
    {
        var texts = Gen.Select(
            Maybe(60, Text.Select(t => "SUMMARY:" + t)),
            Maybe(40, Text.Select(t => "DESCRIPTION:" + t)),
            Maybe(40, Text.Select(t => "LOCATION:" + t)),
            Maybe(40, Gen.OneOf(Urls).Select(u => "URL:" + u)),
            Maybe(20, Gen.OneOf(Addresses).Select(a => a.StartsWith(';') ? "ORGANIZER" + a : "ORGANIZER:" + a)),
            Maybe(20, Gen.OneOf(Addresses).Select(a => a.StartsWith(';') ? "ATTENDEE" + a : "ATTENDEE:" + a)),
            Maybe(15, Gen.OneOf("X-JUNK:1", "CREATED:00001231T000000Z", "DTSTAMP:garbage", "no colon at all", ":", ";;;", "SUMMARY;LANGUAGE=\"unterminated:x", "BEGIN:VALARM\r\nTRIGGER:-PT15M\r\nEND:VALARM")),
            (s, d, l, u, o, a, x) => new[] { s, d, l, u, o, a, x });
        var timing = Gen.Select(
            Maybe(90, Gen.OneOf(Uids).Select(u => "UID:" + u)),
            Maybe(90, Time("DTSTART", now)),
            Maybe(40, Time("DTEND", now)),
            Maybe(20, Gen.OneOf(Durations).Select(d => "DURATION:" + d)),
            Maybe(40, Rule(now)),
            Time("EXDATE", now).Array[0, 3],
            Time("RDATE", now).Array[0, 2],
            (uid, start, end, duration, rule, exdates, rdates) => new[] { uid, start, end, duration, rule }.Concat(exdates).Concat(rdates));
        var overrides = Gen.Select(
            Maybe(25, Time("RECURRENCE-ID", now)),
            Maybe(40, Gen.OneOf(Sequences).Select(s => "SEQUENCE:" + s)),
            Maybe(30, Gen.OneOf(Statuses).Select(s => "STATUS:" + s)),
            Maybe(5, Time("DTSTART", now)),
            (r, s, st, again) => new[] { r, s, st, again });
        return Gen.Select(timing, overrides, texts, (t, o, x) => t.Concat(o).Concat(x).OfType<string>().ToArray());
    }

    /// <summary>A line as a calendar may write it: folded (anywhere, even inside a surrogate pair), or not.</summary>
    private static Gen<string> Folded(string line)
        => Gen.Frequency(
            (6, Gen.Const(line)),
            (1, Gen.Int[0, 3].SelectMany(n => Gen.Int[0, Math.Max(0, line.Length - 1)].Array[n]).Select(cuts =>
            {
                var folded = new StringBuilder(line);
                foreach (var cut in cuts.Where(c => c > 0).Distinct().OrderDescending())
                {
                    folded.Insert(cut, cut % 2 == 0 ? "\r\n " : "\r\n\t");
                }

                return folded.ToString();
            })));

    private static Gen<string> EventText(Gen<string[]> lines)
        => lines.SelectMany(ls => All(ls.Select(Folded)).Select(folded => "BEGIN:VEVENT" + Crlf + string.Concat(folded.Select(l => l + Crlf)) + "END:VEVENT" + Crlf));

    private static Gen<(string Text, ValidEvent Event)> Valid(DateTimeOffset windowStart, DateTimeOffset windowEnd, int index)
    {
        // Whole seconds strictly after the window's start and at most its end, the times a feed can write.
        var first = (windowStart.UtcTicks / TimeSpan.TicksPerSecond) + 1;
        var last = windowEnd.UtcTicks / TimeSpan.TicksPerSecond;
        return Gen.Select(Gen.Long[first, last], Gen.UInt, Gen.Bool, (second, tag, withEnd) =>
        {
            var start = new DateTimeOffset(second * TimeSpan.TicksPerSecond, TimeSpan.Zero);
            var uid = $"valid-{index}-{tag:x8}@agentdispatch.test";
            var lines = new List<string> { "BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:20260101T000000Z", $"DTSTART:{Stamp(start.UtcDateTime)}Z" };
            if (withEnd && start.UtcTicks <= MaxTicks - TimeSpan.FromHours(1).Ticks)
            {
                lines.Add($"DTEND:{Stamp(start.UtcDateTime.AddMinutes(30))}Z");
            }

            lines.AddRange([$"SUMMARY:Valid meeting {index}", $"URL:https://app.videosdk.live/meeting/{MeetingId}", $"LOCATION:VideoSDK {MeetingId}", "END:VEVENT"]);
            return (string.Concat(lines.Select(l => l + Crlf)), new ValidEvent(uid, start));
        });
    }

    private static readonly Gen<string> TimeZoneBlock = Gen.OneOf(
        "BEGIN:VTIMEZONE\r\nTZID:Mars/Olympus_Mons\r\nBEGIN:STANDARD\r\nDTSTART:garbage\r\nTZOFFSETFROM:+9999\r\nTZOFFSETTO:abc\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n",
        "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nRRULE:FREQ=SECONDLY\r\nDTSTART:00010101T000000\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n",
        "BEGIN:VTIMEZONE\r\nEND:VTIMEZONE\r\n",
        "BEGIN:VTIMEZONE\r\nTZID:\r\nBEGIN:VEVENT\r\nUID:inside-a-zone\r\nDTSTART:20260310T100000Z\r\nEND:VEVENT\r\nEND:VTIMEZONE\r\n",
        "BEGIN:VTIMEZONE\r\nTZID:\uD800\u202E\r\nX-LIC-LOCATION:" + new string('z', 2000) + "\r\nEND:VTIMEZONE\r\n");

    /// <summary>Ways to break a feed's structure; a broken feed is refused as a whole (<see cref="CalendarFeedException"/>).</summary>
    private static string Break(string feed, int how, int where)
    {
        var lines = feed.Split(Crlf).ToList();
        var at = Math.Clamp(where % Math.Max(1, lines.Count), 1, Math.Max(1, lines.Count - 1));
        switch (how)
        {
            case 0:
                var ends = lines.Select((l, i) => (l, i)).Where(x => x.l.StartsWith("END:", StringComparison.Ordinal)).Select(x => x.i).ToList();
                if (ends.Count > 0)
                {
                    lines.RemoveAt(ends[where % ends.Count]);
                }

                break;
            case 1:
                lines.Insert(at, "BEGIN:VEVENT");
                break;
            case 2:
                lines.InsertRange(at, Enumerable.Repeat("BEGIN:X-DEEP", 300));
                break;
            case 3:
                lines.Insert(0, "garbage before the calendar");
                break;
            case 4:
                lines.Insert(at, "END:VCALENDAR");
                break;
            default:
                return feed[..(where % Math.Max(1, feed.Length))];
        }

        return string.Join(Crlf, lines);
    }

    private static string Nest(string inner, int depth)
        => string.Concat(Enumerable.Range(0, depth).Select(i => $"BEGIN:X-NEST{i}{Crlf}")) + inner + string.Concat(Enumerable.Range(0, depth).Reverse().Select(i => $"END:X-NEST{i}{Crlf}"));

    public static readonly Gen<FeedCase> Feed =
        Gen.Select(Now, Horizon, Gen.OneOf("team", "Team Feed", "f\u200Beed", "x"), Gen.ULong)
        .SelectMany(input =>
        {
            var (now, horizon, name, secret) = input;
            var nowUtc = now.UtcDateTime;
            var secretText = $"secret{secret:x16}";

            // Near the ends of time the window itself is not a time: those cases are only checked not to crash.
            var windowStart = new DateTimeOffset(Clamp(now.UtcTicks - CalendarFeedParser.LookBack.Ticks), TimeSpan.Zero);
            var windowEnd = new DateTimeOffset(Clamp(now.UtcTicks + horizon.Ticks), TimeSpan.Zero);
            var hostile = EventText(HostileEvent(nowUtc));
            var nested = Gen.Select(Gen.Int[1, 120], hostile, (depth, e) => Nest(e, depth));
            var block = Gen.Frequency((12, hostile), (1, nested), (1, TimeZoneBlock));
            var valid = Gen.Int[0, 3].SelectMany(n => All(Enumerable.Range(0, n).Select(i => Valid(windowStart, windowEnd, i))));
            return Gen.Select(block.Array[0, 14], valid, Gen.Int[0, 1000].Array[3], Gen.Frequency((17, Gen.Const(-1)), (3, Gen.Int[0, 5])), Gen.Int[0, 1_000_000], Gen.Int[0, 9])
                .Select(parts =>
                {
                    var (blocks, valids, positions, breakHow, breakWhere, style) = parts;
                    var body = blocks.ToList();
                    for (var i = 0; i < valids.Length; i++)
                    {
                        body.Insert(positions[i] % (body.Count + 1), valids[i].Text);
                    }

                    var text = "BEGIN:VCALENDAR" + Crlf + "VERSION:2.0" + Crlf + "PRODID:-//AgentDispatch//property tests//EN" + Crlf
                        + $"SOURCE;VALUE=URI:https://calendar.example.com/private-{secretText}/basic.ics{Crlf}"
                        + $"X-ORIGINAL-URL:https://calendar.example.com/private-{secretText}/basic.ics{Crlf}"
                        + string.Concat(body) + "END:VCALENDAR" + Crlf;
                    if (breakHow >= 0)
                    {
                        text = Break(text, breakHow, breakWhere);
                    }

                    text = style switch
                    {
                        0 => text.Replace(Crlf, "\n", StringComparison.Ordinal),
                        1 => "\uFEFF" + text,
                        _ => text,
                    };
                    return new FeedCase(name, secretText, now, horizon, text, breakHow >= 0 ? [] : [.. valids.Select(v => v.Event)]);
                });
        });
}
