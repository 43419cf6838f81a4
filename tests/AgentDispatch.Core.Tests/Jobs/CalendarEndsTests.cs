using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.Dispatch;
using AgentDispatch.Jobs;
using AgentDispatch.Requests;
using AgentDispatch.Storage;
using AgentDispatch.Testing;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Primitives;

namespace AgentDispatch.Core.Tests.Jobs;

/// <summary>
/// Times at the ends of the calendar through the HTTP API (create and reschedule) and the requests queue
/// (real Azurite): refused naming the field, or poisoned with the reason, and nothing stored or sent.
/// Jobs:MaxScheduleAhead is set past 9999, so what refuses them is the calendar, not the schedule limit.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CalendarEndsTests(AzuriteCollectionFixture azurite)
{
    private static readonly Dictionary<string, string?> Unlimited = new() { ["Jobs:MaxScheduleAhead"] = "3650000.00:00:00" };

    private Task<JobsHarness> StartAsync() => JobsHarness.StartAsync(azurite.Fixture, settings: Unlimited);

    private static string Body(string dispatchAt, string? notAfter)
        => $$"""{"meetingId":"abcd-efgh-ijkl","agentId":"agent-1","dispatchAt":"{{dispatchAt}}"{{(notAfter is null ? "" : $",\"notAfter\":\"{notAfter}\"")}}}""";

    private static async Task<List<DispatchJob>> AllJobs(JobsHarness harness)
        => [.. (await harness.Jobs.ListAsync(null, null, 100, null, CancellationToken.None))!.Items];

    // dispatchAt, notAfter, status, field, what the field's message says
    public static TheoryData<string, string?, int, string, string> FarEnds => new()
    {
        { "9999-12-31T23:59:59Z", null, 422, "dispatchAt", Instants.TooFar },
        { "9999-12-31T23:55:00.123+00:00", null, 422, "dispatchAt", Instants.TooFar },
        { "9999-12-31T23:59:59.9999999+00:00", null, 422, "dispatchAt", Instants.TooFar },
        { "9999-12-31T23:00:00-14:00", null, 400, "dispatchAt", Instants.OutsideCalendar },
        { "0001-01-01T00:00:00+14:00", null, 400, "dispatchAt", Instants.OutsideCalendar },
        { "0001-01-01T00:00:00+00:01", null, 400, "dispatchAt", Instants.OutsideCalendar },
        { "0001-01-01T00:00:00Z", null, 422, "dispatchAt", "is too late" },
        { "0001-01-01T00:00:00-14:00", null, 422, "dispatchAt", "is too late" },
        { "2026-12-01T09:00:00Z", "9999-12-31T23:59:59-00:01", 400, "notAfter", Instants.OutsideCalendar },
    };

    [Theory]
    [MemberData(nameof(FarEnds))]
    public async Task Create_TimeAtAnEndOfTheCalendar_IsRefusedNamingTheField(string dispatchAt, string? notAfter, int status, string field, string says)
    {
        await using var harness = await StartAsync();

        var answer = await harness.Services.Get<JobsApi>().CreateAsync(Encoding.UTF8.GetBytes(Body(dispatchAt, notAfter)), StringValues.Empty, CancellationToken.None);

        Assert.Equal(status, answer.Status);
        Assert.Contains(answer.Problem!.Errors!.ToDictionary()[field], m => m.Contains(says, StringComparison.Ordinal));
        Assert.Empty(await AllJobs(harness));
        Assert.Equal(0, harness.Dispatches);
    }

    [Theory]
    [MemberData(nameof(FarEnds))]
    public async Task Reschedule_ToATimeAtAnEndOfTheCalendar_IsRefusedNamingTheField(string dispatchAt, string? notAfter, int status, string field, string says)
    {
        await using var harness = await StartAsync();
        var at = Instants.Ms(DateTimeOffset.UtcNow.AddHours(2));
        var job = (await harness.Jobs.SubmitAsync(new DispatchJobRequest(new DispatchRequest("abcd-efgh-ijkl", "agent-1"), at), JobSources.Http, CancellationToken.None)).Job!;
        var patch = notAfter is null ? $$"""{"dispatchAt":"{{dispatchAt}}"}""" : $$"""{"dispatchAt":"{{dispatchAt}}","notAfter":"{{notAfter}}"}""";

        var answer = await harness.Services.Get<JobsApi>().RescheduleAsync(job.Id, Encoding.UTF8.GetBytes(patch), CancellationToken.None);

        Assert.Equal(status, answer.Status);
        Assert.Contains(answer.Problem!.Errors!.ToDictionary()[field], m => m.Contains(says, StringComparison.Ordinal));
        var kept = Assert.Single(await AllJobs(harness));
        Assert.Equal((JobState.Scheduled, at), (kept.State, kept.DispatchAt));
    }

    [Theory]
    [MemberData(nameof(FarEnds))]
    public async Task QueueMessage_TimeAtAnEndOfTheCalendar_IsPoisonedWithTheReason(string dispatchAt, string? notAfter, int status, string field, string says)
    {
        await using var harness = await StartAsync();
        var message = QueuesModelFactory.QueueMessage("msg-" + Guid.NewGuid().ToString("N"), "pop", BinaryData.FromString(Body(dispatchAt, notAfter)), 1, insertedOn: DateTimeOffset.UtcNow);

        await harness.Services.Get<JobMessages>().RequestAsync(message, CancellationToken.None);

        var poison = harness.Services.Get<StorageClients>().Queues.GetQueueClient(harness.Services.Get<QueueNames>().RequestsPoison);
        var poisoned = JsonNode.Parse(Assert.Single((await poison.ReceiveMessagesAsync(32)).Value).Body.ToString())!;
        Assert.Equal(status == 400 ? "The message is not a valid dispatch request." : "The dispatch window does not allow this request.", (string)poisoned["reason"]!);
        Assert.Contains(poisoned["errors"]![field]!.AsArray(), m => ((string)m!).Contains(says, StringComparison.Ordinal));
        Assert.Empty(await AllJobs(harness));
        Assert.Equal(0, harness.Dispatches);
    }

    [Theory]
    [InlineData("9999-12-31T23:49:59.9999999Z", "9999-12-31T23:49:59.999Z", "9999-12-31T23:59:59.999Z")]
    [InlineData("9999-12-31T23:59:59+14:00", "9999-12-31T09:59:59Z", "9999-12-31T10:09:59Z")]
    public async Task Create_LateTimeWhoseWindowStillFits_IsStoredAndListed(string dispatchAt, string expectedAt, string expectedNotAfter)
    {
        await using var harness = await StartAsync();

        var answer = await harness.Services.Get<JobsApi>().CreateAsync(Encoding.UTF8.GetBytes(Body(dispatchAt, null)), StringValues.Empty, CancellationToken.None);

        Assert.Equal(202, answer.Status);
        var job = Assert.Single(await AllJobs(harness));
        Assert.Equal((DateTimeOffset.Parse(expectedAt, System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.Parse(expectedNotAfter, System.Globalization.CultureInfo.InvariantCulture)), (job.DispatchAt, job.NotAfter));
        Assert.Null(job.WakeFor); // years away: the sweep queues its wake-up when it comes within a week
        Assert.Equal(job.Id, Assert.Single((await harness.Jobs.ListAsync(new JobFilter(From: job.DispatchAt), 10, null, CancellationToken.None))!.Items).Id);
    }
}
