using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.Confirmation;
using AgentDispatch.Core.Tests.Jobs;
using AgentDispatch.Dispatch;
using AgentDispatch.Jobs;
using AgentDispatch.Testing;

namespace AgentDispatch.Core.Tests.Confirmation;

/// <summary>
/// VideoSDK's webhooks: the RSA signature (good, wrong, missing, another key), each event applied to
/// the room's jobs once however often it is delivered, and what is ignored. Real Azurite; the key is
/// configured, or served by a loopback VideoSDK.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class VideoSdkWebhookTests(AzuriteCollectionFixture azurite) : IDisposable
{
    private readonly RSA _videoSdkKey = RSA.Create(2048);
    private readonly RSA _otherKey = RSA.Create(2048);

    public void Dispose()
    {
        _videoSdkKey.Dispose();
        _otherKey.Dispose();
    }

    private static DispatchJobRequest Request(string meetingId = "room-1") => new(new DispatchRequest(meetingId, "agent-1"), null, null);

    private async Task<JobsHarness> StartAsync(RoomScript room, string mode = "Webhook")
        => await JobsHarness.StartAsync(
            azurite.Fixture,
            room.HandleAsync,
            new Dictionary<string, string?>
            {
                ["Confirmation:Mode"] = mode,
                ["Webhooks:VideoSdk:PublicKey"] = _videoSdkKey.ExportSubjectPublicKeyInfoPem(),
            },
            time: JobsHarness.NewClock());

    private static byte[] Event(string type, string meetingId = "room-1", string participantId = "agt_42", string name = "agent-1", string sessionId = "ses_1")
        => Encoding.UTF8.GetBytes(new JsonObject
        {
            ["webhookType"] = type,
            ["data"] = new JsonObject
            {
                ["meetingId"] = meetingId,
                ["sessionId"] = sessionId,
                ["participantId"] = participantId,
                ["participantName"] = name,
            },
        }.ToJsonString());

    private string Sign(byte[] body, RSA? key = null)
        => Convert.ToBase64String((key ?? _videoSdkKey).SignData(body, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    private static Task<VideoSdkReceipt> DeliverAsync(JobsHarness harness, byte[] body, string? signature)
        => harness.Services.Get<VideoSdkWebhookReceiver>().ReceiveAsync(body, signature, CancellationToken.None);

    private static async Task<DispatchJob> AssignedAsync(JobsHarness harness, string meetingId = "room-1")
    {
        var job = (await harness.Jobs.SubmitAsync(Request(meetingId), JobSources.Http, CancellationToken.None)).Job!;
        Assert.True(job.IsConfirming, $"Job is {job.State}");
        return job;
    }

    [Fact]
    public async Task ParticipantJoined_Signed_JoinsTheJob_AndTheSameDeliveryAgainChangesNothing()
    {
        await using var harness = await StartAsync(new RoomScript { AgentJoinsOnDispatch = false });
        var job = await AssignedAsync(harness);
        var body = Event("participant-joined");

        var first = await DeliverAsync(harness, body, Sign(body));
        var joined = (await harness.Jobs.GetAsync(job.Id, CancellationToken.None))!;
        var again = await DeliverAsync(harness, body, Sign(body));
        var after = (await harness.Jobs.GetAsync(job.Id, CancellationToken.None))!;

        Assert.Equal(VideoSdkReceiptKind.Handled, first.Kind);
        Assert.Equal([job.Id], first.JobIds);
        Assert.Equal(JobState.Joined, joined.State);
        Assert.Equal("webhook", joined.ConfirmedBy);
        Assert.Equal("agt_42", joined.ParticipantId);
        Assert.Equal("ses_1", joined.SessionId);
        Assert.Equal(VideoSdkReceiptKind.Ignored, again.Kind);
        Assert.Equal(joined.ETag, after.ETag);
    }

    [Fact]
    public async Task BadSignatures_AreRefused_AndNothingChanges()
    {
        await using var harness = await StartAsync(new RoomScript { AgentJoinsOnDispatch = false });
        var job = await AssignedAsync(harness);
        var body = Event("participant-joined");
        var tampered = Event("participant-joined", participantId: "agt_43");

        var receipts = new[]
        {
            await DeliverAsync(harness, body, null),
            await DeliverAsync(harness, body, " "),
            await DeliverAsync(harness, body, "not base64!"),
            await DeliverAsync(harness, body, Sign(body, _otherKey)),
            await DeliverAsync(harness, tampered, Sign(body)),
            await DeliverAsync(harness, body, Convert.ToBase64String(_videoSdkKey.SignData(body, HashAlgorithmName.SHA256, RSASignaturePadding.Pss))),
        };
        var after = (await harness.Jobs.GetAsync(job.Id, CancellationToken.None))!;

        Assert.All(receipts, r => Assert.Equal(VideoSdkReceiptKind.Unauthorized, r.Kind));
        Assert.Equal(job.ETag, after.ETag);
        Assert.Equal(JobState.Assigned, after.State);
    }

    [Fact]
    public async Task ParticipantLeft_AndSessionEnded_RecordLeftAtOnce()
    {
        await using var harness = await StartAsync(new RoomScript { AgentJoinsOnDispatch = false });
        var first = await AssignedAsync(harness, "room-1");
        var second = await AssignedAsync(harness, "room-2");
        foreach (var room in new[] { "room-1", "room-2" })
        {
            var joined = Event("participant-joined", meetingId: room, participantId: "agt_" + room);
            Assert.Equal(VideoSdkReceiptKind.Handled, (await DeliverAsync(harness, joined, Sign(joined))).Kind);
        }

        var left = Event("participant-left", meetingId: "room-1", participantId: "agt_room-1");
        var ended = Event("session-ended", meetingId: "room-2");
        var receipts = new[]
        {
            await DeliverAsync(harness, left, Sign(left)),
            await DeliverAsync(harness, left, Sign(left)),
            await DeliverAsync(harness, ended, Sign(ended)),
            await DeliverAsync(harness, ended, Sign(ended)),
        };
        var firstAfter = (await harness.Jobs.GetAsync(first.Id, CancellationToken.None))!;
        var secondAfter = (await harness.Jobs.GetAsync(second.Id, CancellationToken.None))!;

        Assert.Equal([VideoSdkReceiptKind.Handled, VideoSdkReceiptKind.Ignored, VideoSdkReceiptKind.Handled, VideoSdkReceiptKind.Ignored], receipts.Select(r => r.Kind));
        Assert.Equal(JobState.Joined, firstAfter.State); // it came, so it stays joined: not sent again
        Assert.NotNull(firstAfter.LeftAt);
        Assert.NotNull(secondAfter.LeftAt);
    }

    [Fact]
    public async Task EventsAboutNoJob_OrAHuman_AreIgnoredWithTheReason()
    {
        await using var harness = await StartAsync(new RoomScript { AgentJoinsOnDispatch = false });
        var job = await AssignedAsync(harness);
        var noJob = Event("participant-joined", meetingId: "room-nobody-asked-for");
        var human = Event("participant-joined", participantId: "p-alice", name: "Alice");
        var other = Event("recording-started");

        var receipts = new[] { await DeliverAsync(harness, noJob, Sign(noJob)), await DeliverAsync(harness, human, Sign(human)), await DeliverAsync(harness, other, Sign(other)) };
        var after = (await harness.Jobs.GetAsync(job.Id, CancellationToken.None))!;

        Assert.All(receipts, r => Assert.Equal(VideoSdkReceiptKind.Ignored, r.Kind));
        Assert.Contains("No job", receipts[0].Reason, StringComparison.Ordinal);
        Assert.Contains("not the agent", receipts[1].Reason, StringComparison.Ordinal);
        Assert.Equal(job.ETag, after.ETag);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"data":{}}""")]
    [InlineData("""{"webhookType":"participant-joined"}""")]
    [InlineData("""{"webhookType":"participant-joined","data":{"meetingId":"room-1"}}""")]
    [InlineData("""{"webhookType":"participant-joined","data":{"meetingId":"room-1","participantId":7}}""")]
    [InlineData("""{"webhookType":"participant-left","data":{"meetingId":"room-1","participantId":"p","leftAt":"yesterday"}}""")]
    [InlineData("""{"webhookType":"session-ended","data":{"meetingId":"room-1"}}""")]
    [InlineData("""{"webhookType":"participant-joined","data":{"meetingId":"room-\ud800","participantId":"p"}}""")]
    [InlineData("""{"webhookType":"participant-joined","webhookType":"session-ended","data":{"meetingId":"room-1","participantId":"p"}}""")]
    public async Task Malformed_SignedDeliveries_AreInvalid(string json)
    {
        await using var harness = await StartAsync(new RoomScript { AgentJoinsOnDispatch = false });
        var body = Encoding.UTF8.GetBytes(json);

        var receipt = await DeliverAsync(harness, body, Sign(body));

        Assert.Equal(VideoSdkReceiptKind.Invalid, receipt.Kind);
    }

    [Theory]
    [InlineData(256, VideoSdkReceiptKind.Ignored)]
    [InlineData(257, VideoSdkReceiptKind.Invalid)]
    public async Task MeetingId_AtTheLimitIsRead_OverItIsRefusedNamingTheField(int length, VideoSdkReceiptKind expected)
    {
        await using var harness = await StartAsync(new RoomScript { AgentJoinsOnDispatch = false });
        var body = Event("participant-joined", meetingId: new string('r', length));

        var receipt = await DeliverAsync(harness, body, Sign(body));

        Assert.Equal(expected, receipt.Kind);
        Assert.Equal(expected == VideoSdkReceiptKind.Invalid, receipt.Errors?.Has("data.meetingId") == true);
    }

    [Fact]
    public async Task JoinHeardBeforeTheAnswerWasRecorded_IsUsedByTheJobsFirstLook()
    {
        var time = JobsHarness.NewClock();
        await using var harness = await JobsHarness.StartAsync(
            azurite.Fixture,
            new RoomScript { AgentJoinsOnDispatch = false }.HandleAsync,
            new Dictionary<string, string?> { ["Confirmation:Mode"] = "Webhook", ["Webhooks:VideoSdk:PublicKey"] = _videoSdkKey.ExportSubjectPublicKeyInfoPem() },
            time: time);
        var scheduled = (await harness.Jobs.SubmitAsync(new DispatchJobRequest(new DispatchRequest("room-1", "agent-1"), time.GetUtcNow().AddMinutes(1), null), JobSources.Http, CancellationToken.None)).Job!;
        time.Advance(TimeSpan.FromMinutes(1));
        var claimed = (await harness.Ledger.TryReplaceAsync(harness.Runner.Claim(scheduled, time.GetUtcNow()), CancellationToken.None))!;

        // The agent's join arrives while the dispatch call is still in flight.
        var body = Event("participant-joined");
        var early = await DeliverAsync(harness, body, Sign(body));
        await harness.Runner.AttemptClaimedAsync(claimed, CancellationToken.None);
        var done = await harness.WakeUntilFinalAsync(time, scheduled.Id);

        Assert.Equal(VideoSdkReceiptKind.Ignored, early.Kind);
        Assert.Equal(JobState.Joined, done.State);
        Assert.Equal("webhook", done.ConfirmedBy);
    }

    [Fact]
    public async Task AgentCameAndLeftBeforeTheAnswerWasRecorded_EndsJoinedWithLeftAt_AndIsNotSentAgain()
    {
        var time = JobsHarness.NewClock();
        var room = new RoomScript { AgentJoinsOnDispatch = false };
        await using var harness = await JobsHarness.StartAsync(
            azurite.Fixture,
            room.HandleAsync,
            new Dictionary<string, string?> { ["Confirmation:Mode"] = "Webhook", ["Webhooks:VideoSdk:PublicKey"] = _videoSdkKey.ExportSubjectPublicKeyInfoPem() },
            time: time);
        var scheduled = (await harness.Jobs.SubmitAsync(new DispatchJobRequest(new DispatchRequest("room-1", "agent-1"), time.GetUtcNow().AddMinutes(1), null), JobSources.Http, CancellationToken.None)).Job!;
        time.Advance(TimeSpan.FromMinutes(1));
        var claimed = (await harness.Ledger.TryReplaceAsync(harness.Runner.Claim(scheduled, time.GetUtcNow()), CancellationToken.None))!;

        // The agent comes and goes while the dispatch call is still in flight.
        var joined = Event("participant-joined");
        await DeliverAsync(harness, joined, Sign(joined));
        time.Advance(TimeSpan.FromSeconds(1));
        var left = Event("participant-left");
        await DeliverAsync(harness, left, Sign(left));
        await harness.Runner.AttemptClaimedAsync(claimed, CancellationToken.None);
        var done = await harness.WakeUntilFinalAsync(time, scheduled.Id);

        Assert.Equal((JobState.Joined, "agt_42"), (done.State, done.ParticipantId));
        Assert.NotNull(done.LeftAt);
        Assert.True(done.LeftAt > done.JoinedAt);
        Assert.Equal(1, room.Dispatches);
    }

    [Fact]
    public async Task ModeSessionApi_VerifiesButIgnoresWebhooks()
    {
        await using var harness = await StartAsync(new RoomScript { AgentJoinsOnDispatch = false }, mode: "SessionApi");
        var job = await AssignedAsync(harness);
        var body = Event("participant-joined");

        var unsigned = await DeliverAsync(harness, body, null);
        var signed = await DeliverAsync(harness, body, Sign(body));

        Assert.Equal(VideoSdkReceiptKind.Unauthorized, unsigned.Kind);
        Assert.Equal(VideoSdkReceiptKind.Ignored, signed.Kind);
        Assert.Equal(job.ETag, (await harness.Jobs.GetAsync(job.Id, CancellationToken.None))!.ETag);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("pem")]
    public async Task PublicKey_ReadOnceFromVideoSdk_AndCached(string shape)
    {
        var pem = _videoSdkKey.ExportSubjectPublicKeyInfoPem();
        var answer = shape == "pem" ? pem : new JsonObject { ["publicKey"] = pem }.ToJsonString();
        await using var harness = await JobsHarness.StartAsync(
            azurite.Fixture,
            (context, request) => request.Path == "/v2/public/rsa-public-key"
                ? LoopbackServer.Answer(200, answer)(context, request)
                : new RoomScript { AgentJoinsOnDispatch = false }.HandleAsync(context, request),
            new Dictionary<string, string?> { ["Confirmation:Mode"] = "Webhook" });
        var body = Event("participant-joined", meetingId: "room-none");

        var first = await DeliverAsync(harness, body, Sign(body));
        var second = await DeliverAsync(harness, body, Sign(body));
        var forged = await DeliverAsync(harness, body, Sign(body, _otherKey));

        Assert.Equal(VideoSdkReceiptKind.Ignored, first.Kind); // verified: no job in that room
        Assert.Equal(VideoSdkReceiptKind.Ignored, second.Kind);
        Assert.Equal(VideoSdkReceiptKind.Unauthorized, forged.Kind);
        Assert.Single(harness.VideoSdk.Requests, r => r.Path == "/v2/public/rsa-public-key");
    }

    [Fact]
    public async Task PublicKeyEndpointDown_DeliveriesCannotBeCheckedYet()
    {
        await using var harness = await JobsHarness.StartAsync(
            azurite.Fixture,
            LoopbackServer.Answer(503, """{"message":"Service Unavailable"}"""),
            new Dictionary<string, string?> { ["Confirmation:Mode"] = "Webhook" });
        var body = Event("participant-joined");

        var receipt = await DeliverAsync(harness, body, Sign(body));

        Assert.Equal(VideoSdkReceiptKind.KeyUnavailable, receipt.Kind);
    }
}
