using AgentDispatch.Jobs;
using AgentDispatch.Requests;
using Microsoft.Extensions.Primitives;

namespace AgentDispatch.Core.Tests.Requests;

public sealed class JobListQueryTests
{
    private static ParseResult<JobListQuery> Parse(params (string Name, string[] Values)[] query)
        => JobListQuery.Parse(query.Select(q => KeyValuePair.Create(q.Name, new StringValues(q.Values))));

    [Fact]
    public void Nothing_IsTheFirstPageOfEverything()
        => Assert.Equal(new JobListQuery(null, null, JobListQuery.DefaultPageSize, null), Parse().Value);

    [Fact]
    public void EveryParameter_IsRead_AndTheFunctionKeyIgnored()
    {
        var parsed = Parse(("meetingId", ["abcd-efgh-ijkl"]), ("state", ["SCHEDULED"]), ("limit", ["7"]), ("code", ["function-key"]));

        Assert.Equal(new JobListQuery("abcd-efgh-ijkl", JobState.Scheduled, 7, null), parsed.Value);
    }

    [Fact]
    public void FromAndTo_AreReadAsInstants_InWholeMilliseconds()
    {
        var parsed = Parse(("from", ["2026-12-01T10:00:00.1234+01:00"]), ("to", ["2026-12-02T00:00:00Z"]));

        Assert.Equal(new DateTimeOffset(2026, 12, 1, 9, 0, 0, 123, TimeSpan.Zero), parsed.Value!.From);
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero), parsed.Value.To);
        Assert.Equal(new JobFilter(null, null, parsed.Value.From, parsed.Value.To), parsed.Value.Filter);
    }

    [Theory]
    [InlineData("2026-12-01T10:00:00")]
    [InlineData("2026-12-01T10:00:00 01:00")]
    [InlineData("tomorrow")]
    public void From_WithoutAnOffsetOrWithAPlusTheURLTurnedIntoASpace_IsNamedWithTheEscape(string from)
        => Assert.Equal(
            ["must be an ISO 8601 date and time with an offset, e.g. 2026-12-01T09:00:00Z or 2026-12-01T10:00:00+01:00 (in a URL, write + as %2B)."],
            Parse(("from", [from])).Errors!.ToDictionary()["from"]);

    [Fact]
    public void To_NotAfterFrom_IsNamed()
        => Assert.Equal(["must be later than from."], Parse(("from", ["2026-12-01T10:00:00Z"]), ("to", ["2026-12-01T10:00:00Z"])).Errors!.ToDictionary()["to"]);

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("+5")]
    [InlineData("5.0")]
    public void Limit_OutOfRangeOrNotAWholeNumber_IsNamed(string limit)
        => Assert.Equal(["must be a whole number from 1 to 100."], Parse(("limit", [limit])).Errors!.ToDictionary()["limit"]);

    [Fact]
    public void AParameterTwice_AnUnknownState_AndACaseSlip_AreAllNamedInOneAnswer()
    {
        var errors = Parse(("state", ["1"]), ("limit", ["5", "6"]), ("MeetingId", ["abcd-efgh-ijkl"])).Errors!.ToDictionary();

        Assert.Equal(["must be one of scheduled, dispatching, assigned, failed, cancelled, expired, joined, not-joined."], errors["state"]);
        Assert.Equal(["must be given once."], errors["limit"]);
        Assert.Equal(["is not a known field; did you mean 'meetingId'? Field names are case-sensitive."], errors["MeetingId"]);
    }

    [Fact]
    public void ACursorThisApiDidNotGiveOut_IsRefusedBeforeStorageIsAsked()
        => Assert.Equal(["is not a cursor this API gave out."], Parse(("cursor", ["not base64url!"])).Errors!.ToDictionary()["cursor"]);
}
