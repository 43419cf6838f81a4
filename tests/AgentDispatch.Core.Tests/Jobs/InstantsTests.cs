using System.Globalization;
using AgentDispatch.Jobs;

namespace AgentDispatch.Core.Tests.Jobs;

/// <summary>The one addition of a span to a time: a time at either end of the calendar, in any offset, plus any span.</summary>
public sealed class InstantsTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private static DateTimeOffset At(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

    private static TimeSpan Span(string text) => text switch
    {
        "max" => TimeSpan.MaxValue,
        "min" => TimeSpan.MinValue,
        "tick" => Tick,
        "-tick" => -Tick,
        _ => TimeSpan.Parse(text, CultureInfo.InvariantCulture),
    };

    [Theory]
    [InlineData("9999-12-31T23:59:59.9999999Z", "00:00:00", "9999-12-31T23:59:59.9999999Z")]
    [InlineData("9999-12-31T23:59:59Z", "00:00:00.9999999", "9999-12-31T23:59:59.9999999Z")]
    [InlineData("9999-12-31T23:59:59.9999999+14:00", "14:00:00", "9999-12-31T23:59:59.9999999Z")]
    [InlineData("9999-12-31T09:59:59.9999999-14:00", "-14:00:00", "9999-12-31T09:59:59.9999999Z")]
    [InlineData("0001-01-01T00:00:00Z", "00:00:00", "0001-01-01T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00-14:00", "-14:00:00", "0001-01-01T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00Z", "3652058.23:59:59.9999999", "9999-12-31T23:59:59.9999999Z")]
    [InlineData("9999-12-31T23:59:59.9999999Z", "-3652058.23:59:59.9999999", "0001-01-01T00:00:00Z")]
    public void Plus_WithinTheCalendar_IsTheTimeInUtc(string at, string span, string expected)
    {
        var result = Instants.Plus(At(at), Span(span));

        Assert.Equal(At(expected), result);
        Assert.Equal(TimeSpan.Zero, result!.Value.Offset);
    }

    [Theory]
    [InlineData("9999-12-31T23:59:59.9999999Z", "tick")]
    [InlineData("9999-12-31T23:59:59Z", "00:00:01")]
    [InlineData("9999-12-31T23:59:59.9999999+14:00", "14:00:00.0000001")]
    [InlineData("9999-12-31T09:59:59.9999999-14:00", "00:00:01")]
    [InlineData("9999-12-31T23:55:00Z", "00:10:00")]
    [InlineData("2026-12-01T09:00:00+01:00", "max")]
    [InlineData("0001-01-01T00:00:00Z", "max")]
    [InlineData("9999-12-31T09:59:59.9999999-14:00", "max")]
    [InlineData("0001-01-01T00:00:00Z", "-tick")]
    [InlineData("0001-01-01T00:00:00-14:00", "-14:00:00.0000001")]
    [InlineData("0001-01-01T14:00:00+14:00", "-tick")]
    [InlineData("0001-01-01T00:05:00Z", "-00:10:00")]
    [InlineData("2026-12-01T09:00:00+01:00", "min")]
    [InlineData("9999-12-31T23:59:59.9999999Z", "min")]
    [InlineData("0001-01-01T14:00:00+14:00", "min")]
    public void Plus_LeavingTheCalendar_IsNullNotAnOverflow(string at, string span)
    {
        Assert.Null(Instants.Plus(At(at), Span(span)));
    }

    [Theory]
    [InlineData("9999-12-31T23:59:59Z", "max", "9999-12-31T23:59:59.9999999Z")]
    [InlineData("9999-12-31T23:59:59+14:00", "1.00:00:00", "9999-12-31T23:59:59.9999999Z")]
    [InlineData("0001-01-01T00:00:00Z", "min", "0001-01-01T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00-14:00", "-1.00:00:00", "0001-01-01T00:00:00Z")]
    [InlineData("2026-12-01T09:00:00+01:00", "366.00:00:00", "2027-12-02T08:00:00Z")]
    public void Add_LeavingTheCalendar_IsHeldAtItsEnd(string at, string span, string expected)
    {
        Assert.Equal(At(expected), Instants.Add(At(at), Span(span)));
    }
}
