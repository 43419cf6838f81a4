using System.Globalization;
using System.Text;
using CsCheck;

namespace AgentDispatch.Testing.Properties;

/// <summary>A generated time as sent, and the instant it names when it is one a job can be scheduled at (an hour to 300 days ahead).</summary>
public sealed record TimeText(string Text, DateTimeOffset? At = null)
{
    public bool Schedulable => At is not null;

    public override string ToString() => Text;
}

/// <summary>
/// Generators of what a hostile sender can put in a field: any JSON value, strings that are huge, empty,
/// invisible, bidirectional, control or invalid UTF-16, times across the whole range a DateTimeOffset
/// holds with any offset (and beyond it in text), and ids that look like a given one but are not.
/// </summary>
public static class HostileGen
{
    private static readonly string[] Invisible = ["\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\u00AD", "\u180E", "\u034F"];

    private static readonly string[] Bidi = ["\u202E", "\u202D", "\u202A", "\u202B", "\u202C", "\u2066", "\u2067", "\u2068", "\u2069", "\u200E", "\u200F", "\u061C"];

    private static readonly string[] Controls = ["\u0000", "\u0001", "\u0008", "\t", "\n", "\r", "\u001B", "\u001F", "\u007F", "\u0085", "\u2028", "\u2029"];

    private static readonly string[] Odd =
    [
        "${meeting.id}", "{{meeting.id}}", "{meeting.startTime}", "%00", "%2e%2e%2f", "../../etc/passwd", "<script>alert(1)</script>", "' OR '1'='1",
        "\\", "\"", "null", "undefined", "NaN", "-0", "1e400", "😀", "e\u0301\u0301\u0301", "Ω", "İ", "ß", "ﬀ", "\uFFFD", "\uFFFF", "\uD83D\uDE00",
    ];

    private static readonly string[] Offsets = ["Z", "+00:00", "-00:00", "+14:00", "-14:00", "+13:59", "-12:00", "+05:30", "+09:45", ""];

    /// <summary>Text past the limits: a few KiB to a few hundred, of one letter, of many meeting ids, or of what defeats a backtracking pattern.</summary>
    public static Gen<string> Huge { get; } = Gen.Select(
        Gen.OneOf(2_000, 70_000, 300_000),
        Gen.OneOf("a", "abcd-efgh-ijkl ", "aaaa-aaaa-aaa", "\u200B", "é", "😀"),
        (length, unit) => new StringBuilder(length + unit.Length).Insert(0, unit, Math.Max(1, length / unit.Length)).ToString());

    /// <summary>Any text a sender could type: empty, blank, invisible, bidirectional, control, lone surrogates, odd, huge.</summary>
    public static Gen<string> Text { get; } = Gen.Frequency(
        (4, Gen.String[Gen.Char.AlphaNumeric, 1, 24]),
        (2, Gen.OneOf("", " ", "\t", "  \u00A0  ", "\u3000")),
        (2, Pieces(Invisible, 1, 6)),
        (2, Gen.Select(Gen.OneOf(Bidi), Gen.String[Gen.Char.AlphaNumeric, 1, 12], (mark, word) => mark + word + "\u202C")),
        (2, Pieces(Controls, 1, 4)),
        (2, Gen.OneOf("\uD800", "\uDFFF", "a\uDBFFb", "\uDC00\uD800", "x\uD83D")),
        (2, Gen.OneOf(Odd)),
        (1, Gen.String[Gen.Char, 1, 40]),
        (1, Huge));

    /// <summary>Any JSON value, nested up to <paramref name="depth"/> levels.</summary>
    public static Gen<GenJson> Json(int depth = 3)
    {
        var leaf = Gen.Frequency(
            (2, Gen.Const(GenJson.Null)),
            (2, Gen.OneOf("true", "false").Select(b => (GenJson)new GenJson.Literal(b))),
            (3, Gen.OneOf("0", "-0", "1", "-1", "9007199254740993", "1e308", "1e400", "-1e400", "1E-400", "0.0000001", "123456789012345678901234567890", "2147483648", "-9223372036854775809")
                .Select(n => (GenJson)new GenJson.Literal(n))),
            (5, Text.Select(GenJson.Of)));
        if (depth <= 0)
        {
            return leaf;
        }

        var inner = Json(depth - 1);
        return Gen.Frequency(
            (6, leaf),
            (1, inner.Array[0, 4].Select(items => (GenJson)new GenJson.List(items))),
            (1, Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 1, 8], inner).Array[0, 4]
                .Select(pairs => (GenJson)new GenJson.Map([.. pairs.Select(p => new KeyValuePair<string, GenJson>(p.Item1, p.Item2))]))),
            (1, Wide),
            (1, Deep));
    }

    /// <summary>An array of many small items, or an object of many keys.</summary>
    public static Gen<GenJson> Wide { get; } = Gen.Select(Gen.OneOf(100, 1_500, 10_000), Gen.Bool, (count, asObject) => asObject
        ? new GenJson.Map([.. Enumerable.Range(0, count).Select(i => new KeyValuePair<string, GenJson>("k" + i.ToString(CultureInfo.InvariantCulture), GenJson.Of("v")))])
        : (GenJson)new GenJson.List([.. Enumerable.Range(0, count).Select(i => (GenJson)new GenJson.Literal(i.ToString(CultureInfo.InvariantCulture)))]));

    /// <summary>Arrays or objects nested around the JSON limit of 32 levels: just under, at and over it.</summary>
    public static Gen<GenJson> Deep { get; } = Gen.Select(Gen.OneOf(8, 30, 31, 32, 33, 64, 1_000), Gen.Bool, (levels, asObject) =>
    {
        GenJson value = GenJson.Of("bottom");
        for (var i = 0; i < levels; i++)
        {
            value = asObject ? new GenJson.Map([new("a", value)]) : new GenJson.List([value]);
        }

        return value;
    });

    /// <summary>Ids that look like <paramref name="id"/> but are not it: other case, confusable letters, invisible or bidi marks, spaces, other dashes, encodings.</summary>
    public static Gen<string> LookAlike(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return Gen.Select(Gen.Int[0, 13], Gen.Int[0, id.Length - 1], (how, at) => how switch
        {
            0 => string.Equals(id.ToUpperInvariant(), id, StringComparison.Ordinal) ? id.ToLowerInvariant() : id.ToUpperInvariant(),
            1 => Replace(id, at, char.IsUpper(id[at]) ? char.ToLowerInvariant(id[at]) : char.ToUpperInvariant(id[at])),
            2 => Confusable(id),
            3 => id.Insert(at, "\u200B"),
            4 => id + " ",
            5 => " " + id,
            6 => id + "\u00A0",
            7 => "\uFEFF" + id,
            8 => id.Replace('-', '\u2010'),
            9 => id.Replace("-", "–", StringComparison.Ordinal),
            10 => id + "/",
            11 => Replace(id, at, '\0'),
            12 => id.Insert(at, "\u202E"),
            _ => Uri.EscapeDataString(id[..at]) + "%" + ((int)id[at]).ToString("X2", CultureInfo.InvariantCulture) + id[(at + 1)..],
        }).Where(lookAlike => lookAlike != id);
    }

    /// <summary>
    /// Whether the API takes <paramref name="id"/> as an id (written here from its documented rule, not
    /// its code): 1 to 256 characters, not blank, no white space at either end, no control or invisible
    /// format character, no unpaired surrogate.
    /// </summary>
    public static bool IsAcceptableId(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (id.Length is 0 or > 256 || string.IsNullOrWhiteSpace(id) || char.IsWhiteSpace(id[0]) || char.IsWhiteSpace(id[^1]))
        {
            return false;
        }

        for (var i = 0; i < id.Length; i++)
        {
            if (char.IsControl(id[i]) || CharUnicodeInfo.GetUnicodeCategory(id[i]) == UnicodeCategory.Format)
            {
                return false;
            }

            if (char.IsSurrogate(id[i]) && !(char.IsHighSurrogate(id[i]) && i + 1 < id.Length && char.IsLowSurrogate(id[++i])))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A VideoSDK-shaped room id: three groups of four lowercase letters or digits.</summary>
    public static Gen<string> RoomId { get; } = Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"].Array[12]
        .Select(c => new string(c, 0, 4) + "-" + new string(c, 4, 4) + "-" + new string(c, 8, 4));

    /// <summary>
    /// A time as text: mostly one a job can be scheduled at (an hour to 300 days after <paramref name="now"/>),
    /// in any format and offset; else the past, the ends of the calendar with any offset (so its UTC may
    /// leave the calendar), any year, or text that is almost a time.
    /// </summary>
    public static Gen<TimeText> Time(DateTimeOffset now) => Gen.Frequency(
        (35, Gen.Select(Gen.Long[TimeSpan.TicksPerHour, TimeSpan.TicksPerDay * 300], Gen.Int[-14 * 60, 14 * 60], Gen.Int[0, 3], (ahead, offset, format)
            => new TimeText(Format(now.AddTicks(ahead).ToOffset(TimeSpan.FromMinutes(offset)), format), Instants(now.AddTicks(ahead), format)))),
        (10, Gen.Long[0, TimeSpan.TicksPerDay * 30].Select(ago => new TimeText(Format(now.AddTicks(-ago), 0)))),
        (25, Gen.Select(Gen.OneOf("9999-12-31T23:59:59.9999999", "9999-12-31T23:59:59", "9999-12-31T23:00:00", "9999-12-31T00:00:00", "9999-01-01T00:00:00",
            "0001-01-01T00:00:00", "0001-01-01T13:59:59", "0001-01-02T00:00:00", "9998-12-31T23:59:59"), Gen.OneOf(Offsets), (local, offset) => new TimeText(local + offset))),
        (15, Gen.Select(Gen.Int[1, 9999], Gen.Int[1, 12], Gen.Int[1, 28], Gen.Int[0, 86_399], Gen.OneOf(Offsets), (year, month, day, second, offset)
            => new TimeText(string.Create(CultureInfo.InvariantCulture, $"{year:D4}-{month:D2}-{day:D2}T{second / 3600:D2}:{second / 60 % 60:D2}:{second % 60:D2}{offset}")))),
        (15, Gen.OneOf("", "now", "tomorrow", "2026-02-30T10:00:00Z", "2026-13-01T00:00:00Z", "2026-12-03T25:00:00Z", "2026-12-03T10:00:00+24:00",
            "2026-12-03T10:00:00+14:01", "+275760-09-13T00:00:00Z", "-000001-01-01T00:00:00Z", "10000-01-01T00:00:00Z", "9999999999", "1e400", "P1D",
            "2026-12-03", "10:00", "2026-12-03T10:00:00.99999999999999999999Z", "2026-12-03T10:00:00 Z", "\u0662\u0660\u0662\u0666-12-03T10:00:00Z",
            "２０２６-12-03T10:00:00Z", "2026-12-03T10:00:00\u200BZ").Select(text => new TimeText(text))));

    /// <summary>The instant <see cref="Format"/> writes: seconds only in formats 1 and 2, milliseconds in 3.</summary>
    private static DateTimeOffset Instants(DateTimeOffset at, int format) => format switch
    {
        0 => at,
        1 or 2 => new DateTimeOffset(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero),
        _ => new DateTimeOffset(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero),
    };

    private static string Format(DateTimeOffset at, int format) => format switch
    {
        0 => at.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffffzzz", CultureInfo.InvariantCulture),
        1 => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        2 => at.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
        _ => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
    };

    private static Gen<string> Pieces(string[] pieces, int min, int max) => Gen.OneOf(pieces).Array[min, max].Select(p => string.Concat(p));

    private static string Replace(string text, int at, char with) => string.Concat(text.AsSpan(0, at), new ReadOnlySpan<char>(in with), text.AsSpan(at + 1));

    private static string Confusable(string id)
    {
        // Latin letters and their Cyrillic and Greek twins.
        var twins = new Dictionary<char, char> { ['a'] = 'а', ['e'] = 'е', ['o'] = 'о', ['c'] = 'с', ['p'] = 'р', ['x'] = 'х', ['i'] = 'і', ['y'] = 'у', ['k'] = 'κ', ['n'] = 'η', ['0'] = 'О', ['1'] = 'l' };
        var at = id.IndexOfAny([.. twins.Keys]);
        return at < 0 ? id + "\u0301" : Replace(id, at, twins[id[at]]);
    }
}
