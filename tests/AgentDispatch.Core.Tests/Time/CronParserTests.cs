using AgentDispatch.Time;

namespace AgentDispatch.Core.Tests.Time;

public sealed class CronParserTests
{
    private static readonly DateTimeOffset Monday = new(2026, 3, 9, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TryParse_FiveFields_MinuteFirst()
    {
        Assert.True(CronParser.TryParse("30 9 * * 1-5", out var expression, out var error));

        Assert.Null(error);
        Assert.Equal(new DateTimeOffset(2026, 3, 9, 9, 30, 0, TimeSpan.Zero), expression.GetNextOccurrence(Monday, TimeZoneInfo.Utc));
    }

    [Fact]
    public void TryParse_SixFields_SecondFirst_AsTimerTriggersWriteThem()
    {
        Assert.True(CronParser.TryParse("15 30 9 * * 1-5", out var expression, out _));

        Assert.Equal(new DateTimeOffset(2026, 3, 9, 9, 30, 15, TimeSpan.Zero), expression.GetNextOccurrence(Monday, TimeZoneInfo.Utc));
    }

    [Fact]
    public void TryParse_SurroundingWhitespaceAndTabs_AreIgnored()
    {
        Assert.True(CronParser.TryParse("  0\t12 * * *  ", out var expression, out _));

        Assert.Equal(new DateTimeOffset(2026, 3, 9, 12, 0, 0, TimeSpan.Zero), expression.GetNextOccurrence(Monday, TimeZoneInfo.Utc));
    }

    [Fact]
    public void TryParse_Macro_IsRead()
    {
        Assert.True(CronParser.TryParse("@daily", out var expression, out _));

        Assert.Equal(new DateTimeOffset(2026, 3, 10, 0, 0, 0, TimeSpan.Zero), expression.GetNextOccurrence(Monday, TimeZoneInfo.Utc));
    }

    [Theory]
    [InlineData("0 9 * *", 4)]
    [InlineData("0 0 9 * * 1-5 2026", 7)]
    [InlineData("", 0)]
    public void TryParse_WrongNumberOfFields_SaysHowManyAndWhatIsExpected(string text, int fields)
    {
        Assert.False(CronParser.TryParse(text, out var expression, out var error));

        Assert.Null(expression);
        Assert.Equal($"it has {fields} fields; 5 are expected (minute hour day-of-month month day-of-week), or 6 with seconds first.", error);
    }

    [Fact]
    public void TryParse_HashedTime_IsRefusedWithAnExplanation()
    {
        Assert.False(CronParser.TryParse("H 9 * * *", out _, out var error));

        Assert.Equal("'H' (a time picked by hashing) is not supported; write the time.", error);
    }

    [Theory]
    [InlineData("0 25 * * 1-5", "Hours")]
    [InlineData("61 0 9 * * *", "Seconds")]
    public void TryParse_FieldOutOfRange_GivesCronosReasonNamingTheField(string text, string field)
    {
        Assert.False(CronParser.TryParse(text, out var expression, out var error));

        Assert.Null(expression);
        Assert.StartsWith("The given cron expression has an invalid format.", error, StringComparison.Ordinal);
        Assert.Contains(field, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_UnknownMacro_GivesCronosReason()
    {
        Assert.False(CronParser.TryParse("@fortnightly", out var expression, out var error));

        Assert.Null(expression);
        Assert.StartsWith("The given cron expression has an invalid format.", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0 */5 * * * *", 6)]
    [InlineData(" 0  9 * * * ", 5)]
    [InlineData("00:05:00", 1)]
    public void FieldCount_CountsWhitespaceSeparatedFields(string text, int expected)
        => Assert.Equal(expected, CronParser.FieldCount(text));
}
