using AgentDispatch.Time;

namespace AgentDispatch.Core.Tests.Time;

public sealed class TimeZoneLookupTests
{
    private static readonly DateTimeOffset Summer = new(2026, 7, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Winter = new(2026, 1, 15, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("Europe/Berlin")]
    [InlineData("W. Europe Standard Time")]
    [InlineData("UTC")]
    public void Find_TakesIanaAndWindowsIds(string id)
        => Assert.NotNull(TimeZoneLookup.Find(id));

    [Theory]
    [InlineData("Europe/Berlin", 1, 2)]
    [InlineData("W. Europe Standard Time", 1, 2)]
    [InlineData("America/New_York", -5, -4)]
    [InlineData("Pacific Standard Time", -8, -7)]
    public void Find_WindowsAndIanaIds_GiveTheZonesRules(string id, int winterHours, int summerHours)
    {
        var zone = TimeZoneLookup.Find(id);

        Assert.NotNull(zone);
        Assert.Equal(TimeSpan.FromHours(winterHours), zone.GetUtcOffset(Winter));
        Assert.Equal(TimeSpan.FromHours(summerHours), zone.GetUtcOffset(Summer));
    }

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("CEST")]
    [InlineData("Customized Time Zone")]
    public void TryFind_UnknownId_SaysWhichIdAndWhy(string id)
    {
        Assert.False(TimeZoneLookup.TryFind(id, out var zone, out var reason));

        Assert.Null(zone);
        Assert.Equal($"'{id}' is neither an IANA nor a Windows time zone id this machine knows.", reason);
        Assert.Null(TimeZoneLookup.Find(id));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void TryFind_EmptyId_SaysNoneWasGiven(string id)
    {
        Assert.False(TimeZoneLookup.TryFind(id, out var zone, out var reason));

        Assert.Null(zone);
        Assert.Equal("no time zone id was given.", reason);
    }

    [Fact]
    public void TryFind_KnownId_HasNoReason()
    {
        Assert.True(TimeZoneLookup.TryFind("Europe/Berlin", out var zone, out var reason));

        Assert.Null(reason);
        Assert.Equal(TimeSpan.FromHours(2), zone.GetUtcOffset(Summer));
    }
}
