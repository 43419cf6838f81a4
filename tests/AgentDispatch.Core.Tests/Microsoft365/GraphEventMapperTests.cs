using System.Globalization;
using AgentDispatch.Microsoft365;
using Microsoft.Graph.Models;

namespace AgentDispatch.Core.Tests.Microsoft365;

public sealed class GraphEventMapperTests
{
    [Theory]
    [InlineData("9999-12-31T23:59:59.9999999", "UTC", "9999-12-31T23:59:59.9999999Z")]
    [InlineData("9999-12-31T11:59:59", "Etc/GMT+12", "9999-12-31T23:59:59Z")]
    [InlineData("0001-01-01T14:00:00", "Etc/GMT-14", "0001-01-01T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00", "UTC", "0001-01-01T00:00:00Z")]
    [InlineData("2026-12-01T09:00:00", "Europe/Berlin", "2026-12-01T08:00:00Z")]
    public void Instant_LocalTimeNearAnEnd_IsTheInstantInUtc(string local, string zone, string expected)
    {
        var instant = GraphEventMapper.Instant(new DateTimeTimeZone { DateTime = local, TimeZone = zone });

        Assert.Equal(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture), instant);
    }

    [Theory]
    [InlineData("9999-12-31T23:00:00", "Etc/GMT+12")]
    [InlineData("9999-12-31T23:59:59.9999999", "Pacific/Honolulu")]
    [InlineData("0001-01-01T00:00:00", "Etc/GMT-14")]
    [InlineData("0001-01-01T13:59:59", "Etc/GMT-14")]
    public void Instant_LocalTimeWhoseUtcLeavesTheCalendar_IsNoneRatherThanAnOverflow(string local, string zone)
    {
        // Read as no time, the event is ignored as one without a start ("none, or one outside the calendar").
        Assert.Null(GraphEventMapper.Instant(new DateTimeTimeZone { DateTime = local, TimeZone = zone }));
    }
}
