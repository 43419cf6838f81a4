using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.Core.Tests.Jobs;
using AgentDispatch.Events;
using AgentDispatch.Jobs;
using AgentDispatch.Requests;
using AgentDispatch.Testing;
using AgentDispatch.Webhooks;
using AgentDispatch.Webhooks.Standard;

namespace AgentDispatch.Core.Tests.Webhooks;

/// <summary>
/// Signed deliveries at and past the limits through the receiver into the ledger (real Azurite): an
/// over-long title is stored cut and one job, an over-long id is refused with nothing stored, and a
/// routing or meeting-id pattern that runs away leaves the meeting's job as it was (docs/event-sources.md#limits).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class WebhookLimitsFlowTests(AzuriteCollectionFixture azurite)
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private static Dictionary<string, string?> Settings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Webhooks:Standard:Secret"] = Secret,
            ["Routing:Rules:0:Name"] = "all",
            ["Routing:Rules:0:AgentId"] = "agent-1",
            ["Routing:Rules:0:Variables:title"] = "{{meeting.title}}",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static byte[] Meeting(string id, string title, DateTimeOffset start, DateTimeOffset timestamp, string joinUrl = "https://app.videosdk.live/meeting/abcd-efgh-ijkl")
        => Encoding.UTF8.GetBytes(new JsonObject
        {
            ["type"] = "meeting.scheduled",
            ["timestamp"] = timestamp.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["meeting"] = new JsonObject
            {
                ["id"] = id,
                ["joinUrl"] = joinUrl,
                ["title"] = title,
                ["startTime"] = start.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            },
        }.ToJsonString());

    private static async Task<WebhookReceipt> DeliverAsync(JobsHarness harness, byte[] body, string deliveryId)
    {
        var signedAt = DateTimeOffset.UtcNow;
        var headers = new Dictionary<string, string>
        {
            [StandardWebhookSignature.IdHeader] = deliveryId,
            [StandardWebhookSignature.TimestampHeader] = signedAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            [StandardWebhookSignature.SignatureHeader] = StandardWebhookSignature.Sign(deliveryId, signedAt, body, Secret),
        };
        return await harness.Services.Get<WebhookReceiver>().ReceiveAsync(WebhookProvider.Standard, body, n => headers.GetValueOrDefault(n), CancellationToken.None);
    }

    private static async Task<List<DispatchJob>> AllJobs(JobsHarness harness)
        => [.. (await harness.Jobs.ListAsync(null, null, 100, null, CancellationToken.None))!.Items];

    [Fact]
    public async Task TitleOf200KiB_IsStoredCut_InOneJob_HoweverOftenItIsDelivered()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());
        var now = DateTimeOffset.UtcNow;
        var body = Meeting("crm-1", new string('T', 200 * 1024), now.AddHours(2), now);
        Assert.True(body.Length <= WebhookReceiver.MaxBodyBytes);

        var first = await DeliverAsync(harness, body, "msg_1");
        var again = await DeliverAsync(harness, body, "msg_1");
        var resent = await DeliverAsync(harness, body, "msg_2");

        Assert.Equal(ReceiptKind.Stored, first.Kind);
        Assert.Equal(ReceiptKind.Ignored, again.Kind);
        Assert.Equal(ReceiptKind.Ignored, resent.Kind);
        var job = Assert.Single(await AllJobs(harness));
        var title = job.Metadata!.Value.GetProperty("variables")[0].GetProperty("value").GetString()!;
        Assert.Equal(new string('T', EventLimits.MaxVariableLength - 1) + EventLimits.Ellipsis, title);
    }

    [Theory]
    [InlineData(JsonFields.MaxIdLength, ReceiptKind.Stored)]
    [InlineData(JsonFields.MaxIdLength + 1, ReceiptKind.Invalid)]
    public async Task MeetingId_AtTheLimitIsStored_OverItIsRefusedAndNothingStored(int length, ReceiptKind expected)
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());
        var now = DateTimeOffset.UtcNow;

        var receipt = await DeliverAsync(harness, Meeting(new string('m', length), "Review", now.AddHours(2), now), "msg_1");

        Assert.Equal(expected, receipt.Kind);
        if (expected == ReceiptKind.Invalid)
        {
            Assert.True(receipt.Errors!.Has("meeting.id"));
            Assert.Empty(await AllJobs(harness));
        }
        else
        {
            Assert.Single(await AllJobs(harness));
        }
    }

    [Fact]
    public async Task RunawayRoutingPattern_IsIgnored_AndTheMeetingsJobStaysAsItWas()
    {
        // Rule 0 backtracks catastrophically on a long run of a's that does not end the title; rule 1 takes the rest.
        var settings = Settings(
            ("Routing:Rules:0:Name", "a-titles"), ("Routing:Rules:0:TitlePattern", "^(a+)+$"),
            ("Routing:Rules:1:Name", "others"), ("Routing:Rules:1:AgentId", "agent-2"));
        settings.Remove("Routing:Rules:0:Variables:title");
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: settings);
        var now = DateTimeOffset.UtcNow;
        var created = await DeliverAsync(harness, Meeting("crm-1", "Review", now.AddHours(2), now.AddMinutes(-2)), "msg_1");

        var runaway = await DeliverAsync(harness, Meeting("crm-1", new string('a', 4096) + "!", now.AddHours(3), now.AddMinutes(-1)), "msg_2");

        Assert.Equal(ReceiptKind.Stored, created.Kind);
        Assert.Equal(ReceiptKind.Ignored, runaway.Kind);
        Assert.Contains("timed out", runaway.Reason, StringComparison.Ordinal);
        var job = Assert.Single(await AllJobs(harness));
        Assert.Equal((JobState.Scheduled, "agent-2"), (job.State, job.AgentId));
        Assert.Equal(now.AddHours(2), job.DispatchAt, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task RunawayMeetingIdPattern_OnTheOnlyField_IsIgnored_AndTheMeetingsJobStaysAsItWas()
    {
        // The pattern finds the room in a join URL, and backtracks catastrophically on a long run of a's that does not end it.
        var settings = Settings(
            ("MeetingIds:Pattern", @"^(a+)+$|(?<meetingId>[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})"), ("MeetingIds:Fields", "joinUrl"));
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: settings);
        var now = DateTimeOffset.UtcNow;
        var created = await DeliverAsync(harness, Meeting("crm-1", "Review", now.AddHours(2), now.AddMinutes(-2)), "msg_1");

        var runaway = await DeliverAsync(harness, Meeting("crm-1", "Review", now.AddHours(3), now.AddMinutes(-1), joinUrl: new string('a', 4096) + "!"), "msg_2");

        Assert.Equal(ReceiptKind.Stored, created.Kind);
        Assert.Equal(ReceiptKind.Ignored, runaway.Kind);
        Assert.Equal("a meeting-id pattern timed out on this event's text; the event was not routed", runaway.Reason);
        var job = Assert.Single(await AllJobs(harness));
        Assert.Equal((JobState.Scheduled, "abcd-efgh-ijkl"), (job.State, job.MeetingId));
        Assert.Equal(now.AddHours(2), job.DispatchAt, TimeSpan.FromSeconds(1));
    }
}
