using AgentDispatch.Core.Tests.Jobs;
using AgentDispatch.Jobs;
using AgentDispatch.Testing;
using AgentDispatch.Testing.Webhooks;
using AgentDispatch.Webhooks;
using AgentDispatch.Webhooks.Calendly;
using AgentDispatch.Webhooks.Standard;

namespace AgentDispatch.Core.Tests.Webhooks;

/// <summary>
/// Correctly signed deliveries whose meeting starts at an end of the calendar (real Azurite): the lead time
/// or window would leave it, so the event is ignored with the reason (200, as for any event that cannot be
/// scheduled) and nothing is stored; a start that is itself outside the calendar is not understood (400).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class WebhookCalendarEndsTests(AzuriteCollectionFixture azurite)
{
    private const string CalendlyKey = "calendly-signing-key-for-tests";
    private const string StandardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private Task<JobsHarness> StartAsync(string maxScheduleAhead = "366.00:00:00") => JobsHarness.StartAsync(azurite.Fixture, settings: new Dictionary<string, string?>
    {
        ["Webhooks:Calendly:Secret"] = CalendlyKey,
        ["Webhooks:Standard:Secret"] = StandardSecret,
        ["Routing:Rules:0:Name"] = "demos",
        ["Routing:Rules:0:AgentId"] = "demo-agent",
        ["Routing:Rules:0:LeadTime"] = "00:01:00",
        // In the meeting's zone (Europe/Berlin in both payloads), which at 9999-12-31T23:00Z is past the calendar.
        ["Routing:Rules:0:Variables:when"] = "{{meeting.localStartTime}}",
        ["Jobs:MaxScheduleAhead"] = maxScheduleAhead,
    });

    private static async Task<WebhookReceipt> DeliverAsync(JobsHarness harness, string provider, string start, string end)
    {
        var receiver = harness.Services.Get<WebhookReceiver>();
        var now = DateTimeOffset.UtcNow;
        if (provider == "calendly")
        {
            var body = WebhookPayloads.Load("calendly-invitee-created", new Dictionary<string, string>
            {
                ["EVENT"] = WebhookPayloads.FirstEvent, ["INVITEE"] = "FAR" + Guid.NewGuid().ToString("N"), ["START"] = start, ["END"] = end, ["CREATED"] = WebhookPayloads.Iso(now),
            });
            var header = CalendlySignature.Sign(body, CalendlyKey, now);
            return await receiver.ReceiveAsync(WebhookProvider.Calendly, body, n => n == CalendlySignature.Header ? header : null, CancellationToken.None);
        }

        var standard = WebhookPayloads.Load("standard-meeting", new Dictionary<string, string> { ["TYPE"] = "meeting.scheduled", ["ID"] = "far-meeting", ["START"] = start, ["END"] = end });
        var id = "msg_" + Guid.NewGuid().ToString("N");
        var headers = new Dictionary<string, string>
        {
            [StandardWebhookSignature.IdHeader] = id,
            [StandardWebhookSignature.TimestampHeader] = now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            [StandardWebhookSignature.SignatureHeader] = StandardWebhookSignature.Sign(id, now, standard, StandardSecret),
        };
        return await receiver.ReceiveAsync(WebhookProvider.Standard, standard, n => headers.GetValueOrDefault(n), CancellationToken.None);
    }

    private static async Task<List<DispatchJob>> AllJobs(JobsHarness harness)
        => [.. (await harness.Jobs.ListAsync(null, null, 100, null, CancellationToken.None))!.Items];

    [Theory]
    [InlineData("calendly", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z", Instants.TooFar)]
    [InlineData("standard", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z", Instants.TooFar)]
    [InlineData("calendly", "9999-12-31T23:55:00.000000+00:00", "9999-12-31T23:59:00Z", Instants.TooFar)]
    [InlineData("standard", "9999-12-31T23:59:59.9999999+00:00", "9999-12-31T23:59:59.9999999+00:00", Instants.TooFar)]
    [InlineData("calendly", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", Instants.TooFar)]
    [InlineData("standard", "0001-01-01T00:00:30+00:00", "9999-12-31T23:59:59-00:00", Instants.TooFar)]
    [InlineData("calendly", "9999-12-31T23:59:59+14:00", "9999-12-31T23:59:59+14:00", "is too far ahead")]
    [InlineData("standard", "9999-12-31T23:59:59+14:00", "9999-12-31T23:59:59+14:00", "is too far ahead")]
    public async Task Created_StartWhoseLeadTimeOrWindowLeavesTheCalendar_IsIgnoredWithTheReason(string provider, string start, string end, string reason)
    {
        await using var harness = await StartAsync();

        var receipt = await DeliverAsync(harness, provider, start, end);

        Assert.Equal(ReceiptKind.Ignored, receipt.Kind);
        Assert.Contains(reason, receipt.Reason, StringComparison.Ordinal);
        Assert.Empty(await AllJobs(harness));
    }

    [Theory]
    [InlineData("calendly", "9999-12-31T23:00:00-14:00", "payload.scheduled_event.start_time")]
    [InlineData("standard", "9999-12-31T23:00:00-14:00", "meeting.startTime")]
    [InlineData("calendly", "0001-01-01T00:00:00+14:00", "payload.scheduled_event.start_time")]
    [InlineData("standard", "0001-01-01T00:00:00+00:01", "meeting.startTime")]
    public async Task Created_StartOutsideTheCalendar_IsNotUnderstoodNamingTheField(string provider, string start, string field)
    {
        await using var harness = await StartAsync();

        var receipt = await DeliverAsync(harness, provider, start, "9999-12-31T23:59:59Z");

        Assert.Equal(ReceiptKind.Invalid, receipt.Kind);
        Assert.True(receipt.Errors!.Has(field));
        Assert.Empty(await AllJobs(harness));
    }

    [Theory]
    [InlineData("calendly")]
    [InlineData("standard")]
    public async Task Created_LateStartWhoseWindowFits_IsStoredWithItsLocalTimeInUtc(string provider)
    {
        await using var harness = await StartAsync(maxScheduleAhead: "3650000.00:00:00");

        var receipt = await DeliverAsync(harness, provider, "9999-12-31T23:00:00Z", "9999-12-31T23:30:00Z");

        Assert.Equal(ReceiptKind.Stored, receipt.Kind);
        var job = Assert.Single(await AllJobs(harness));
        Assert.Equal(new DateTimeOffset(9999, 12, 31, 22, 59, 0, TimeSpan.Zero), job.DispatchAt);
        Assert.Equal(new DateTimeOffset(9999, 12, 31, 23, 9, 0, TimeSpan.Zero), job.NotAfter);
        var when = job.Metadata!.Value.GetProperty("variables").EnumerateArray().Single(v => v.GetProperty("name").GetString() == "when");
        Assert.Equal("9999-12-31 23:00", when.GetProperty("value").GetString());
    }
}
