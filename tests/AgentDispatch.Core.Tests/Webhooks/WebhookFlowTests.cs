using AgentDispatch.Core.Tests.Jobs;
using AgentDispatch.Jobs;
using AgentDispatch.Testing;
using AgentDispatch.Testing.Webhooks;
using AgentDispatch.Webhooks;
using AgentDispatch.Webhooks.CalCom;
using AgentDispatch.Webhooks.Calendly;
using AgentDispatch.Webhooks.Standard;

namespace AgentDispatch.Core.Tests.Webhooks;

/// <summary>
/// Signed deliveries through the receiver into the ledger (real Azurite): schedule, reschedule in
/// either order, cancel, replays and stale deliveries, bad signatures, missing configuration.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class WebhookFlowTests(AzuriteCollectionFixture azurite)
{
    private const string CalendlyKey = "calendly-signing-key-for-tests";
    private const string CalComSecret = "calcom-secret-for-tests";
    private const string StandardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private static Dictionary<string, string?> Settings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Webhooks:Calendly:Secret"] = CalendlyKey,
            ["Webhooks:CalCom:Secret"] = CalComSecret,
            ["Webhooks:Standard:Secret"] = StandardSecret,
            ["Routing:Rules:0:Name"] = "demos",
            ["Routing:Rules:0:AgentId"] = "demo-agent",
            ["Routing:Rules:0:LeadTime"] = "00:01:00",
            ["Routing:Rules:0:Variables:fname"] = "{{attendee.name}}",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static async Task<WebhookReceipt> Calendly(JobsHarness harness, byte[] body, DateTimeOffset? signedAt = null, string? key = null)
    {
        var header = CalendlySignature.Sign(body, key ?? CalendlyKey, signedAt ?? DateTimeOffset.UtcNow);
        return await harness.Services.Get<WebhookReceiver>().ReceiveAsync(WebhookProvider.Calendly, body, n => n == CalendlySignature.Header ? header : null, CancellationToken.None);
    }

    private static async Task<WebhookReceipt> CalCom(JobsHarness harness, byte[] body, string? signature = null)
    {
        var header = signature ?? CalComSignature.Sign(body, CalComSecret);
        return await harness.Services.Get<WebhookReceiver>().ReceiveAsync(WebhookProvider.CalCom, body, n => n == CalComSignature.Header ? header : null, CancellationToken.None);
    }

    private static async Task<WebhookReceipt> Standard(JobsHarness harness, byte[] body, string id, DateTimeOffset? at = null)
    {
        var signedAt = at ?? DateTimeOffset.UtcNow;
        var headers = new Dictionary<string, string>
        {
            [StandardWebhookSignature.IdHeader] = id,
            [StandardWebhookSignature.TimestampHeader] = signedAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            [StandardWebhookSignature.SignatureHeader] = StandardWebhookSignature.Sign(id, signedAt, body, StandardSecret),
        };
        return await harness.Services.Get<WebhookReceiver>().ReceiveAsync(WebhookProvider.Standard, body, n => headers.GetValueOrDefault(n), CancellationToken.None);
    }

    private static async Task<List<DispatchJob>> AllJobs(JobsHarness harness)
        => [.. (await harness.Jobs.ListAsync(null, null, 100, null, CancellationToken.None))!.Items];

    [Fact]
    public async Task Calendly_Created_SchedulesTheAgentBeforeTheStartWithItsVariables()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());
        var start = DateTimeOffset.UtcNow.AddHours(2);

        var receipt = await Calendly(harness, WebhookPayloads.CalendlyCreated("INV1", start, DateTimeOffset.UtcNow));

        Assert.Equal(ReceiptKind.Stored, receipt.Kind);
        var job = Assert.Single(await AllJobs(harness));
        Assert.Equal(JobState.Scheduled, job.State);
        Assert.Equal(JobSources.Calendly, job.Source);
        Assert.Equal(("abcd-efgh-ijkl", "demo-agent"), (job.MeetingId, job.AgentId));
        Assert.Equal(Ms(start.AddMinutes(-1)), job.DispatchAt);
        Assert.Equal("Jane Doe", job.Metadata!.Value.GetProperty("variables")[0].GetProperty("value").GetString());
        Assert.Equal("demos", receipt.Result!.Rule);
    }

    [Fact]
    public async Task Calendly_SameDeliveryAgain_ChangesNothing()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());
        var body = WebhookPayloads.CalendlyCreated("INV1", DateTimeOffset.UtcNow.AddHours(2), DateTimeOffset.UtcNow);

        await Calendly(harness, body);
        var again = await Calendly(harness, body);

        Assert.Equal(ReceiptKind.Ignored, again.Kind);
        Assert.Single(await AllJobs(harness));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Calendly_Reschedule_InEitherOrder_MovesTheJobInsteadOfLeavingTwo(bool createdFirst)
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());
        var oldStart = DateTimeOffset.UtcNow.AddHours(2);
        var newStart = DateTimeOffset.UtcNow.AddHours(5);
        var booked = DateTimeOffset.UtcNow.AddMinutes(-10);
        await Calendly(harness, WebhookPayloads.CalendlyCreated("OLD", oldStart, booked));

        var now = DateTimeOffset.UtcNow;
        var canceled = WebhookPayloads.CalendlyCanceled("OLD", oldStart, now, newInvitee: "NEW");
        var created = WebhookPayloads.CalendlyRescheduledCreated("NEW", "OLD", newStart, now);
        foreach (var body in createdFirst ? new[] { created, canceled } : new[] { canceled, created })
        {
            await Calendly(harness, body);
        }

        var job = Assert.Single(await AllJobs(harness));
        Assert.Equal(JobState.Scheduled, job.State);
        Assert.Equal(Ms(newStart.AddMinutes(-1)), job.DispatchAt);
        Assert.Equal(job.Id, (await harness.Ledger.ResolveAsync(CalendlyEvents.Key(WebhookPayloads.CalendlyInvitee("NEW", WebhookPayloads.RescheduledEvent)), CancellationToken.None))!.Id);

        // The new invitee cancels later: the moved job is the one cancelled.
        var cancel = await Calendly(harness, WebhookPayloads.CalendlyCanceled("NEW", newStart, DateTimeOffset.UtcNow.AddSeconds(1), @event: WebhookPayloads.RescheduledEvent));
        Assert.Equal(ReceiptKind.Stored, cancel.Kind);
        Assert.Equal(JobState.Cancelled, Assert.Single(await AllJobs(harness)).State);
    }

    [Fact]
    public async Task Calendly_PlainCancel_CancelsAndNothingIsDispatched()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());
        var start = DateTimeOffset.UtcNow.AddHours(2);
        await Calendly(harness, WebhookPayloads.CalendlyCreated("INV1", start, DateTimeOffset.UtcNow.AddMinutes(-1)));

        var receipt = await Calendly(harness, WebhookPayloads.CalendlyCanceled("INV1", start, DateTimeOffset.UtcNow));

        Assert.Equal(ReceiptKind.Stored, receipt.Kind);
        Assert.Equal(JobState.Cancelled, Assert.Single(await AllJobs(harness)).State);
        Assert.Equal(0, harness.Dispatches);
    }

    [Theory]
    [InlineData("stale")]
    [InlineData("future")]
    [InlineData("wrong-key")]
    [InlineData("missing")]
    public async Task BadSignature_IsUnauthorizedAndNothingIsStored(string kind)
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());
        var body = WebhookPayloads.CalendlyCreated("INV1", DateTimeOffset.UtcNow.AddHours(2), DateTimeOffset.UtcNow);

        var receipt = kind switch
        {
            "stale" => await Calendly(harness, body, DateTimeOffset.UtcNow.AddMinutes(-10)),
            "future" => await Calendly(harness, body, DateTimeOffset.UtcNow.AddMinutes(10)),
            "wrong-key" => await Calendly(harness, body, key: "not-the-key"),
            _ => await harness.Services.Get<WebhookReceiver>().ReceiveAsync(WebhookProvider.Calendly, body, _ => null, CancellationToken.None),
        };

        Assert.Equal(ReceiptKind.Unauthorized, receipt.Kind);
        Assert.Empty(await AllJobs(harness));
        Assert.DoesNotContain(CalendlyKey, harness.Services.AllLogText(), StringComparison.Ordinal);
        Assert.Contains("webhook refused", harness.Services.AllLogText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CalCom_CreatedRescheduledCancelled_AndAReplayedCreatedChangesNothing()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());
        var start = DateTimeOffset.UtcNow.AddHours(2);
        var moved = DateTimeOffset.UtcNow.AddHours(3);
        var created = WebhookPayloads.CalCom("BOOKING_CREATED", "uid-1", start, DateTimeOffset.UtcNow.AddMinutes(-3));

        Assert.Equal(ReceiptKind.Stored, (await CalCom(harness, created)).Kind);
        Assert.Equal(ReceiptKind.Stored, (await CalCom(harness, WebhookPayloads.CalCom("BOOKING_RESCHEDULED", "uid-2", moved, DateTimeOffset.UtcNow.AddMinutes(-2), rescheduleUid: "uid-1"))).Kind);
        var job = Assert.Single(await AllJobs(harness));
        Assert.Equal(Ms(moved.AddMinutes(-1)), job.DispatchAt);
        Assert.Equal("wxyz-1234-abcd", job.MeetingId);

        Assert.Equal(ReceiptKind.Stored, (await CalCom(harness, WebhookPayloads.CalCom("BOOKING_CANCELLED", "uid-2", moved, DateTimeOffset.UtcNow.AddMinutes(-1)))).Kind);
        var replay = await CalCom(harness, created); // Cal.com signs no timestamp: an old delivery verifies

        Assert.Equal(ReceiptKind.Ignored, replay.Kind);
        Assert.Equal(JobState.Cancelled, Assert.Single(await AllJobs(harness)).State);
    }

    [Fact]
    public async Task CalCom_WrongOrNoSecretSignature_IsUnauthorized()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());
        var body = WebhookPayloads.CalCom("BOOKING_CREATED", "uid-1", DateTimeOffset.UtcNow.AddHours(2), DateTimeOffset.UtcNow);

        Assert.Equal(ReceiptKind.Unauthorized, (await CalCom(harness, body, "no-secret-provided")).Kind);
        Assert.Equal(ReceiptKind.Unauthorized, (await CalCom(harness, body, CalComSignature.Sign(body, "other-secret"))).Kind);
        Assert.Empty(await AllJobs(harness));
    }

    [Fact]
    public async Task Standard_RescheduleMovesTheJob_AndAReplayOrAnOlderDeliveryIsHarmless()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());
        var start = DateTimeOffset.UtcNow.AddHours(2);
        var later = DateTimeOffset.UtcNow.AddHours(4);
        var scheduled = WebhookPayloads.Standard("meeting.scheduled", "mtg-1", start);
        var rescheduled = WebhookPayloads.Standard("meeting.rescheduled", "mtg-1", later);

        await Standard(harness, scheduled, "msg_1", DateTimeOffset.UtcNow.AddSeconds(-60));
        var move = await Standard(harness, rescheduled, "msg_2", DateTimeOffset.UtcNow.AddSeconds(-30));
        var replay = await Standard(harness, rescheduled, "msg_2", DateTimeOffset.UtcNow.AddSeconds(-30));
        var older = await Standard(harness, scheduled, "msg_1", DateTimeOffset.UtcNow.AddSeconds(-60)); // a retry of the first delivery, arriving late

        Assert.Equal(ReceiptKind.Stored, move.Kind);
        Assert.Equal(ReceiptKind.Ignored, replay.Kind);
        Assert.Equal(ReceiptKind.Ignored, older.Kind);
        var job = Assert.Single(await AllJobs(harness));
        Assert.Equal(Ms(later.AddMinutes(-1)), job.DispatchAt);
        Assert.Equal("stnd-0001-mtng", job.MeetingId);
    }

    [Fact]
    public async Task NoMeetingId_IsIgnoredWithAnExplanationAndNoJob()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());
        var body = System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(WebhookPayloads.CalendlyCreated("INV1", DateTimeOffset.UtcNow.AddHours(2), DateTimeOffset.UtcNow))
            .Replace("https://app.videosdk.live/meeting/abcd-efgh-ijkl", "https://zoom.us/j/123456789", StringComparison.Ordinal));

        var receipt = await Calendly(harness, body);

        Assert.Equal(ReceiptKind.Ignored, receipt.Kind);
        Assert.Contains("no VideoSDK meeting id", receipt.Reason, StringComparison.Ordinal);
        Assert.Empty(await AllJobs(harness));
    }

    [Fact]
    public async Task MeetingAlreadyOver_IsIgnored()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());

        var receipt = await Calendly(harness, WebhookPayloads.CalendlyCreated("INV1", DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow));

        Assert.Equal((ReceiptKind.Ignored, "the meeting has already ended"), (receipt.Kind, receipt.Reason));
    }

    [Fact]
    public async Task NoRuleMatches_IsIgnored()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings(("Routing:Rules:0:Sources", "calcom")));

        var receipt = await Calendly(harness, WebhookPayloads.CalendlyCreated("INV1", DateTimeOffset.UtcNow.AddHours(2), DateTimeOffset.UtcNow));

        Assert.Equal((ReceiptKind.Ignored, "no routing rule matched the event"), (receipt.Kind, receipt.Reason));
    }

    [Fact]
    public async Task MeetingStartingNow_IsDispatchedThroughTheQueueNotInTheDelivery()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());

        var receipt = await Calendly(harness, WebhookPayloads.CalendlyCreated("INV1", DateTimeOffset.UtcNow.AddSeconds(30), DateTimeOffset.UtcNow));

        Assert.Equal(0, harness.Dispatches); // acknowledged without waiting on VideoSDK
        var done = await harness.PumpUntilAsync(receipt.Result!.Job!.Id, j => j.IsFinal, TimeSpan.FromSeconds(15));
        Assert.Equal(JobState.Assigned, done.State);
        Assert.Equal(1, harness.Dispatches);
    }

    [Fact]
    public async Task NotConfigured_NamesTheSettings()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings(("Webhooks:CalCom:Secret", null)));

        var receipt = await CalCom(harness, WebhookPayloads.CalCom("BOOKING_CREATED", "u", DateTimeOffset.UtcNow.AddHours(1), DateTimeOffset.UtcNow));

        Assert.Equal(ReceiptKind.NotConfigured, receipt.Kind);
        Assert.Contains("Webhooks:CalCom:Secret", receipt.Reason, StringComparison.Ordinal);
        Assert.Contains("Webhooks:CalCom:SecretName", receipt.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecretFromKeyVault_IsReadOnceForManyDeliveries()
    {
        await using var vault = await KeyVaultStandIn.StartAsync();
        vault.SetSecret("calendly-signing-key", CalendlyKey);
        vault.SetSecret("videosdk-auth-token", "t");
        await using var harness = await JobsHarness.StartAsync(
            azurite.Fixture,
            settings: Settings(("Webhooks:Calendly:Secret", null), ("KeyVault:VaultUri", vault.VaultUri.AbsoluteUri), ("VideoSdk:AuthToken", null)),
            configure: s => Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton(s, vault.CreateSecretClient()));

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(ReceiptKind.Stored, (await Calendly(harness, WebhookPayloads.CalendlyCreated($"INV{i}", DateTimeOffset.UtcNow.AddHours(2), DateTimeOffset.UtcNow))).Kind);
        }

        Assert.Equal(1, vault.ReadCount("calendly-signing-key"));
    }

    [Fact]
    public async Task CalCom_RescheduledTwice_OneJobFollowsTheMeeting_AndOlderUidsCannotChangeIt()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());
        var (startA, startB, startC) = (DateTimeOffset.UtcNow.AddHours(2), DateTimeOffset.UtcNow.AddHours(3), DateTimeOffset.UtcNow.AddHours(4));
        var t = DateTimeOffset.UtcNow.AddMinutes(-10);
        var createdA = WebhookPayloads.CalCom("BOOKING_CREATED", "A", startA, t);
        var aToB = WebhookPayloads.CalCom("BOOKING_RESCHEDULED", "B", startB, t.AddMinutes(1), rescheduleUid: "A");
        var bToC = WebhookPayloads.CalCom("BOOKING_RESCHEDULED", "C", startC, t.AddMinutes(2), rescheduleUid: "B");

        foreach (var body in new[] { createdA, aToB, bToC })
        {
            Assert.Equal(ReceiptKind.Stored, (await CalCom(harness, body)).Kind);
        }

        var job = Assert.Single(await AllJobs(harness));
        Assert.Equal((JobState.Scheduled, Ms(startC.AddMinutes(-1))), (job.State, job.DispatchAt));

        // Late copies of the earlier steps, and a cancel of an earlier uid, leave the job where C put it.
        Assert.Equal(ReceiptKind.Ignored, (await CalCom(harness, aToB)).Kind);
        Assert.Equal(ReceiptKind.Ignored, (await CalCom(harness, createdA)).Kind);
        Assert.Equal(ReceiptKind.Ignored, (await CalCom(harness, WebhookPayloads.CalCom("BOOKING_CANCELLED", "A", startA, t.AddMinutes(3)))).Kind);
        job = Assert.Single(await AllJobs(harness));
        Assert.Equal((JobState.Scheduled, Ms(startC.AddMinutes(-1))), (job.State, job.DispatchAt));

        Assert.Equal(ReceiptKind.Stored, (await CalCom(harness, WebhookPayloads.CalCom("BOOKING_CANCELLED", "C", startC, t.AddMinutes(4)))).Kind);
        Assert.Equal(JobState.Cancelled, Assert.Single(await AllJobs(harness)).State);
    }

    [Fact]
    public async Task CalCom_RescheduleChainDeliveredBackwards_LeavesOneScheduledJobAtTheLatestTime()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());
        var (startA, startB, startC) = (DateTimeOffset.UtcNow.AddHours(2), DateTimeOffset.UtcNow.AddHours(3), DateTimeOffset.UtcNow.AddHours(4));
        var t = DateTimeOffset.UtcNow.AddMinutes(-10);

        await CalCom(harness, WebhookPayloads.CalCom("BOOKING_RESCHEDULED", "C", startC, t.AddMinutes(2), rescheduleUid: "B"));
        await CalCom(harness, WebhookPayloads.CalCom("BOOKING_RESCHEDULED", "B", startB, t.AddMinutes(1), rescheduleUid: "A"));
        await CalCom(harness, WebhookPayloads.CalCom("BOOKING_CREATED", "A", startA, t));

        var scheduled = Assert.Single(await AllJobs(harness), j => j.State == JobState.Scheduled);
        Assert.Equal(Ms(startC.AddMinutes(-1)), scheduled.DispatchAt);
        foreach (var uid in new[] { "A", "B", "C" })
        {
            Assert.Equal(scheduled.Id, (await harness.Ledger.ResolveAsync(CalComEvents.Key(uid), CancellationToken.None))!.Id);
        }
    }

    [Fact]
    public async Task Calendly_RescheduledTwice_OneJobFollowsTheInviteeAcrossEvents()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());
        var (startA, startB, startC) = (DateTimeOffset.UtcNow.AddHours(2), DateTimeOffset.UtcNow.AddHours(3), DateTimeOffset.UtcNow.AddHours(4));
        var t = DateTimeOffset.UtcNow.AddMinutes(-10);
        const string E1 = "EVENTONE", E2 = "EVENTTWO", E3 = "EVENTTHREE";

        await Calendly(harness, WebhookPayloads.CalendlyCreated("A", startA, t, @event: E1));
        await Calendly(harness, WebhookPayloads.CalendlyCanceled("A", startA, t.AddMinutes(1), newInvitee: "B", @event: E1, newEvent: E2));
        await Calendly(harness, WebhookPayloads.CalendlyRescheduledCreated("B", "A", startB, t.AddMinutes(1), @event: E2, oldEvent: E1));
        // The second reschedule arrives created-first this time.
        await Calendly(harness, WebhookPayloads.CalendlyRescheduledCreated("C", "B", startC, t.AddMinutes(2), @event: E3, oldEvent: E2));
        await Calendly(harness, WebhookPayloads.CalendlyCanceled("B", startB, t.AddMinutes(2), newInvitee: "C", @event: E2, newEvent: E3));

        var job = Assert.Single(await AllJobs(harness));
        Assert.Equal((JobState.Scheduled, Ms(startC.AddMinutes(-1))), (job.State, job.DispatchAt));
        Assert.Equal(job.Id, (await harness.Ledger.ResolveAsync(CalendlyEvents.Key(WebhookPayloads.CalendlyInvitee("C", E3)), CancellationToken.None))!.Id);
    }

    [Fact]
    public async Task CancelArrivingBeforeItsCreate_LeavesNoJob()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());
        var start = DateTimeOffset.UtcNow.AddHours(2);
        var t = DateTimeOffset.UtcNow.AddMinutes(-5);

        var cancel = await CalCom(harness, WebhookPayloads.CalCom("BOOKING_CANCELLED", "late", start, t.AddMinutes(1)));
        var create = await CalCom(harness, WebhookPayloads.CalCom("BOOKING_CREATED", "late", start, t));
        await Calendly(harness, WebhookPayloads.CalendlyCanceled("LATE", start, t.AddMinutes(1)));
        var calendlyCreate = await Calendly(harness, WebhookPayloads.CalendlyCreated("LATE", start, t));

        Assert.Equal(ReceiptKind.Ignored, cancel.Kind);
        Assert.Equal(ReceiptKind.Ignored, create.Kind);
        Assert.Contains("cancelled this meeting", create.Reason, StringComparison.Ordinal);
        Assert.Equal(ReceiptKind.Ignored, calendlyCreate.Kind);
        Assert.Empty(await AllJobs(harness));
    }

    [Fact]
    public async Task RescheduleArrivingBeforeTheOriginalCreate_LeavesOneJobAtTheNewTime()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());
        var (start, moved) = (DateTimeOffset.UtcNow.AddHours(2), DateTimeOffset.UtcNow.AddHours(6));
        var t = DateTimeOffset.UtcNow.AddMinutes(-5);

        Assert.Equal(ReceiptKind.Stored, (await CalCom(harness, WebhookPayloads.CalCom("BOOKING_RESCHEDULED", "new", moved, t.AddMinutes(1), rescheduleUid: "orig"))).Kind);
        Assert.Equal(ReceiptKind.Ignored, (await CalCom(harness, WebhookPayloads.CalCom("BOOKING_CREATED", "orig", start, t))).Kind);

        var job = Assert.Single(await AllJobs(harness));
        Assert.Equal((JobState.Scheduled, Ms(moved.AddMinutes(-1))), (job.State, job.DispatchAt));
    }

    [Fact]
    public async Task Standard_CancelledThenScheduledAgain_RevivesTheJob_ButAnOlderReplayDoesNot()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());
        var start = DateTimeOffset.UtcNow.AddHours(2);
        var t = DateTimeOffset.UtcNow.AddMinutes(-5);
        var scheduled = WebhookPayloads.Standard("meeting.scheduled", "mtg-r", start, timestamp: t);

        await Standard(harness, scheduled, "m1");
        await Standard(harness, WebhookPayloads.Standard("meeting.cancelled", "mtg-r", start, timestamp: t.AddMinutes(1)), "m2");
        var replay = await Standard(harness, scheduled, "m1-retry");
        Assert.Equal(ReceiptKind.Ignored, replay.Kind);
        Assert.Equal(JobState.Cancelled, Assert.Single(await AllJobs(harness)).State);

        var back = await Standard(harness, WebhookPayloads.Standard("meeting.scheduled", "mtg-r", start.AddMinutes(15), timestamp: t.AddMinutes(2)), "m3");

        Assert.Equal(ReceiptKind.Stored, back.Kind);
        var job = Assert.Single(await AllJobs(harness));
        Assert.Equal((JobState.Scheduled, Ms(start.AddMinutes(14))), (job.State, job.DispatchAt));
    }

    [Fact]
    public async Task Standard_CancelledThroughTheApi_StaysCancelledWhateverTheSourceSaysNext()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());
        var start = DateTimeOffset.UtcNow.AddHours(2);
        var t = DateTimeOffset.UtcNow.AddMinutes(-5);
        var created = await Standard(harness, WebhookPayloads.Standard("meeting.scheduled", "mtg-api", start, timestamp: t), "m1");
        await harness.Jobs.CancelAsync(created.Result!.Job!.Id, CancellationToken.None);

        var moved = await Standard(harness, WebhookPayloads.Standard("meeting.rescheduled", "mtg-api", start.AddHours(1), timestamp: t.AddMinutes(1)), "m2");

        Assert.Equal(ReceiptKind.Ignored, moved.Kind);
        Assert.Contains("cancelled through the API", moved.Reason, StringComparison.Ordinal);
        var job = Assert.Single(await AllJobs(harness));
        Assert.Equal((JobState.Cancelled, Ms(start.AddMinutes(-1))), (job.State, job.DispatchAt));
    }

    [Fact]
    public async Task Standard_UpdateThatDropsTheVideoSdkRoom_CancelsTheJob_AndPuttingItBackRevivesIt()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());
        var start = DateTimeOffset.UtcNow.AddHours(2);
        var t = DateTimeOffset.UtcNow.AddMinutes(-5);
        await Standard(harness, WebhookPayloads.Standard("meeting.scheduled", "mtg-z", start, timestamp: t), "m1");
        var zoom = System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(WebhookPayloads.Standard("meeting.rescheduled", "mtg-z", start, timestamp: t.AddMinutes(1)))
            .Replace("https://app.videosdk.live/meeting/stnd-0001-mtng", "https://zoom.us/j/123456789", StringComparison.Ordinal));

        var dropped = await Standard(harness, zoom, "m2");

        Assert.Equal(ReceiptKind.Stored, dropped.Kind);
        Assert.Contains("no VideoSDK meeting id", dropped.Reason, StringComparison.Ordinal);
        Assert.Equal(JobState.Cancelled, Assert.Single(await AllJobs(harness)).State);

        var back = await Standard(harness, WebhookPayloads.Standard("meeting.rescheduled", "mtg-z", start, timestamp: t.AddMinutes(2)), "m3");
        Assert.Equal(ReceiptKind.Stored, back.Kind);
        Assert.Equal(JobState.Scheduled, Assert.Single(await AllJobs(harness)).State);
    }

    [Fact]
    public async Task Standard_BodyTimestampOrdersChanges_EvenWhenARetryIsSignedLater()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());
        var start = DateTimeOffset.UtcNow.AddHours(2);
        var t = DateTimeOffset.UtcNow.AddMinutes(-5);
        var newer = WebhookPayloads.Standard("meeting.rescheduled", "mtg-t", start.AddHours(1), timestamp: t.AddMinutes(1));
        var older = WebhookPayloads.Standard("meeting.scheduled", "mtg-t", start, timestamp: t);

        await Standard(harness, newer, "m2", DateTimeOffset.UtcNow.AddSeconds(-30));
        var retried = await Standard(harness, older, "m1", DateTimeOffset.UtcNow); // its header timestamp is the newest

        Assert.Equal(ReceiptKind.Ignored, retried.Kind);
        Assert.Equal(Ms(start.AddMinutes(59)), Assert.Single(await AllJobs(harness)).DispatchAt);
    }

    [Fact]
    public async Task Standard_BadBodyTimestamp_IsInvalid()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings());
        var body = System.Text.Encoding.UTF8.GetBytes("{\"type\":\"meeting.scheduled\",\"timestamp\":\"yesterday\",\"meeting\":{\"id\":\"x\",\"startTime\":\"2030-01-01T00:00:00Z\"}}");

        var receipt = await Standard(harness, body, "m1");

        Assert.Equal(ReceiptKind.Invalid, receipt.Kind);
        Assert.Contains("timestamp", receipt.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Standard_MalformedSecretInKeyVault_IsNotConfiguredAndNamesTheSetting()
    {
        // A malformed plain setting stops start-up; one read from the vault can only be refused per delivery.
        await using var vault = await KeyVaultStandIn.StartAsync();
        vault.SetSecret("standard-webhook-secret", "whsec_not*base64");
        vault.SetSecret("videosdk-auth-token", "t");
        await using var harness = await JobsHarness.StartAsync(
            azurite.Fixture,
            settings: Settings(("Webhooks:Standard:Secret", null), ("KeyVault:VaultUri", vault.VaultUri.AbsoluteUri), ("VideoSdk:AuthToken", null)),
            configure: s => Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton(s, vault.CreateSecretClient()));

        var receipt = await Standard(harness, WebhookPayloads.Standard("meeting.scheduled", "m", DateTimeOffset.UtcNow.AddHours(1)), "m1");

        Assert.Equal(ReceiptKind.NotConfigured, receipt.Kind);
        Assert.Contains("Webhooks:Standard:Secret", receipt.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("not*base64", receipt.Reason + harness.Services.AllLogText(), StringComparison.Ordinal);
        Assert.Empty(await AllJobs(harness));
    }

    [Fact]
    public async Task TwoSecretsSeparatedBySpace_BothVerify_WhileTheSenderRotates()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: Settings(("Webhooks:CalCom:Secret", "old-secret new-secret")));
        var first = WebhookPayloads.CalCom("BOOKING_CREATED", "r1", DateTimeOffset.UtcNow.AddHours(1), DateTimeOffset.UtcNow);
        var second = WebhookPayloads.CalCom("BOOKING_CREATED", "r2", DateTimeOffset.UtcNow.AddHours(1), DateTimeOffset.UtcNow);

        Assert.Equal(ReceiptKind.Stored, (await CalCom(harness, first, CalComSignature.Sign(first, "old-secret"))).Kind);
        Assert.Equal(ReceiptKind.Stored, (await CalCom(harness, second, CalComSignature.Sign(second, "new-secret"))).Kind);
        Assert.Equal(ReceiptKind.Unauthorized, (await CalCom(harness, second, CalComSignature.Sign(second, "other-secret"))).Kind);
    }

    [Fact]
    public async Task SecretRotatedInKeyVault_IsReadAgainOnAFailedSignature_AtMostOnceAMinute()
    {
        await using var vault = await KeyVaultStandIn.StartAsync();
        vault.SetSecret("calendly-signing-key", CalendlyKey);
        vault.SetSecret("videosdk-auth-token", "t");
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await JobsHarness.StartAsync(
            azurite.Fixture,
            settings: Settings(("Webhooks:Calendly:Secret", null), ("KeyVault:VaultUri", vault.VaultUri.AbsoluteUri), ("VideoSdk:AuthToken", null)),
            configure: s =>
            {
                Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton(s, vault.CreateSecretClient());
                Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<TimeProvider>(s, clock);
            });
        Task<WebhookReceipt> Deliver(string invitee, string key)
            => Calendly(harness, WebhookPayloads.CalendlyCreated(invitee, clock.GetUtcNow().AddHours(2), clock.GetUtcNow()), clock.GetUtcNow(), key);

        Assert.Equal(ReceiptKind.Stored, (await Deliver("R1", CalendlyKey)).Kind);
        vault.SetSecret("calendly-signing-key", "rotated-signing-key");
        Assert.Equal(ReceiptKind.Unauthorized, (await Deliver("R2", "rotated-signing-key")).Kind); // read less than a minute ago: not read again
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(ReceiptKind.Stored, (await Deliver("R3", "rotated-signing-key")).Kind);
        Assert.Equal(ReceiptKind.Unauthorized, (await Deliver("R4", "forged-key")).Kind);
        Assert.Equal(ReceiptKind.Unauthorized, (await Deliver("R5", "forged-key")).Kind);

        Assert.Equal(2, vault.ReadCount("calendly-signing-key")); // forged deliveries did not make it read the vault
    }

    [Fact]
    public async Task KeyVaultDownAfterTheSecretWasRead_KeepsVerifyingWithTheLastValue()
    {
        await using var vault = await KeyVaultStandIn.StartAsync();
        vault.SetSecret("calcom-webhook-secret", CalComSecret);
        vault.SetSecret("videosdk-auth-token", "t");
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await JobsHarness.StartAsync(
            azurite.Fixture,
            settings: Settings(("Webhooks:CalCom:Secret", null), ("KeyVault:VaultUri", vault.VaultUri.AbsoluteUri), ("VideoSdk:AuthToken", null)),
            configure: s =>
            {
                Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton(s, vault.CreateSecretClient());
                Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<TimeProvider>(s, clock);
            });
        Assert.Equal(ReceiptKind.Stored, (await CalCom(harness, WebhookPayloads.CalCom("BOOKING_CREATED", "k1", clock.GetUtcNow().AddHours(2), clock.GetUtcNow()))).Kind);

        clock.Advance(TimeSpan.FromHours(2)); // the cached value has expired
        vault.FailNextReads(100, 503);
        var receipt = await CalCom(harness, WebhookPayloads.CalCom("BOOKING_CREATED", "k2", clock.GetUtcNow().AddHours(2), clock.GetUtcNow()));

        Assert.Equal(ReceiptKind.Stored, receipt.Kind);
    }

    private static DateTimeOffset Ms(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
}
