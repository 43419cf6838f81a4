using System.Text;
using AgentDispatch.Core.Tests.Jobs;
using AgentDispatch.Dispatch;
using AgentDispatch.Jobs;
using AgentDispatch.Notifications;
using AgentDispatch.Status;
using AgentDispatch.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AgentDispatch.Core.Tests.Status;

/// <summary>The status report gathered from a real ledger in Azurite, through the services as the app registers them.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class StatusReaderTests(AzuriteCollectionFixture azurite)
{
    private const string FeedUrl = "http://127.0.0.1:9/private/feed-path-7f3a.ics?token=feed-secret-456";
    private const string CalendlySecret = "calendly-signing-secret-123";
    private const string VideoSdkToken = "status-videosdk-token-789";
    private static readonly string StandardSecret = "whsec_" + Convert.ToBase64String(Encoding.UTF8.GetBytes("standard-secret-bytes-0123456789"));

    /// <summary>VideoSDK as scripted here: agent <c>broken-agent</c> has no workers, <c>rejected-agent</c> is refused with markup in the message, any other is assigned.</summary>
    private static async Task AnswerByAgent(HttpContext context, ReceivedRequest request)
    {
        var (status, json) = request.BodyText switch
        {
            var b when b.Contains("broken-agent", StringComparison.Ordinal) => (404, """{"message":"No Workers Registered"}"""),
            var b when b.Contains("rejected-agent", StringComparison.Ordinal) => (400, """{"message":"<img src=x onerror=alert(1)> is not a room"}"""),
            _ => (200, VideoSdkExamples.SuccessResponseJson),
        };
        await LoopbackServer.Answer(status, json)(context, request);
    }

    private static Task<SubmitResult> SubmitAsync(JobsHarness harness, string meetingId, string agentId, string source, DateTimeOffset? at = null)
        => harness.Jobs.SubmitAsync(new DispatchJobRequest(new DispatchRequest(meetingId, agentId), at, null, $"{meetingId}-{agentId}"), source, CancellationToken.None);

    [Fact]
    public async Task ReadAsync_MixedJobs_TimelineSoonestFirst_OutcomesWithReasons_CountsPerSourceAndState()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, AnswerByAgent);
        var now = DateTimeOffset.UtcNow;
        await SubmitAsync(harness, "room-later", "agent-1", JobSources.Http, now.AddHours(5));
        await SubmitAsync(harness, "room-soon", "agent-1", JobSources.Queue, now.AddMinutes(30));
        await SubmitAsync(harness, "room-ok", "agent-1", JobSources.Http);
        await SubmitAsync(harness, "room-broken", "broken-agent", JobSources.Http);

        var report = await harness.Services.Get<StatusReader>().ReadAsync(CancellationToken.None);

        Assert.Equal(["room-soon", "room-later"], report.Upcoming.Select(j => j.MeetingId));
        Assert.All(report.Upcoming, j => Assert.Equal("scheduled", j.State));
        var failed = Assert.Single(report.Latest, j => j.MeetingId == "room-broken");
        Assert.Equal(("failed", "configuration", 404), (failed.State, failed.LastOutcome, failed.LastUpstreamStatus));
        Assert.Contains("No Workers Registered", failed.LastMessage, StringComparison.Ordinal);
        Assert.Equal("assigned", Assert.Single(report.Latest, j => j.MeetingId == "room-ok").State);
        Assert.DoesNotContain(report.Latest, j => j.State == "scheduled");
        Assert.Equal(
            [new StatusCount("http", "scheduled", 1), new StatusCount("http", "assigned", 1), new StatusCount("http", "failed", 1), new StatusCount("queue", "scheduled", 1)],
            report.Counts);
        Assert.Equal(new StatusSample(4, StatusReader.MaxJobsRead, false, 2, false), report.Sample);
    }

    [Fact]
    public async Task ReadAsync_LedgerLargerThanTheBound_ReadsOnlyTheBoundAndSaysThereIsMore()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture);
        var now = DateTimeOffset.UtcNow;
        await Parallel.ForEachAsync(Enumerable.Range(0, StatusReader.MaxJobsRead + 30), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await harness.Ledger.InsertOrGetAsync(
                new DispatchJob
                {
                    Id = JobIds.ForKey($"key:bulk-{i}"), IdempotencyKey = $"key:bulk-{i}", MeetingId = $"room-{i}", AgentId = "agent-1", Source = JobSources.Queue,
                    DispatchAt = now.AddDays(1), NotAfter = now.AddDays(1).AddMinutes(10), State = JobState.Scheduled, CreatedAt = now, UpdatedAt = now,
                },
                ct));

        var report = await harness.Services.Get<StatusReader>().ReadAsync(CancellationToken.None);

        Assert.Equal(StatusReader.MaxJobsRead, report.Sample.JobsRead);
        Assert.True(report.Sample.MoreInLedger);
        Assert.Equal(StatusReader.MaxScheduledRead, report.Sample.ScheduledRead);
        Assert.True(report.Sample.MoreScheduled);
        Assert.Equal(StatusReader.MaxJobsRead, Assert.Single(report.Counts).Count);
        Assert.Equal(StatusReader.MaxUpcoming, report.Upcoming.Count);
        Assert.Contains("the ledger holds more jobs than these", StatusPage.Render(report), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_TheAppsBacklog_CountsWhatIsQueuedAndWhatWasDeadLettered()
    {
        var queue = AzuriteFixture.UniqueName("notify");
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: new Dictionary<string, string?>
        {
            [AgentDispatch.Storage.QueueNames.NotificationsSetting] = queue,
            ["Notifications:FailedTable"] = AzuriteFixture.UniqueName("failed").Replace("-", "", StringComparison.Ordinal),
        });
        var failures = harness.Services.Get<NotificationFailures>();
        var gaveUp = new NotificationMessage("evt_x_1_1", "crm", JobIds.ForKey("key:gave-up"), "job.failed", 1, "{}", DateTimeOffset.UtcNow, 3);
        await failures.AddAsync(gaveUp, DateTimeOffset.UtcNow, 410, "gone", CancellationToken.None);
        await harness.Services.Get<JobEventPublisher>().SendAsync(gaveUp with { EventId = "evt_x_1_2" }, TimeSpan.FromMinutes(5), CancellationToken.None);

        var report = await harness.Services.Get<StatusReader>().ReadAsync(CancellationToken.None);

        Assert.Equal(new NotificationBacklog(1, 1, NotificationFailures.CountLimit), report.Backlog!.Backlog);
        Assert.Contains("<dd data-backlog=\"failed\" class=\"bad\">1</dd>", StatusPage.Render(report), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_BacklogRegistered_ShowsQueuedAndFailed_AtLeastAtTheLimit()
    {
        await using var harness = await JobsHarness.StartAsync(
            azurite.Fixture, configure: s => s.AddSingleton<INotificationBacklog>(new FixedBacklog(new NotificationBacklog(7, 500, 500))));

        var report = await harness.Services.Get<StatusReader>().ReadAsync(CancellationToken.None);
        var html = StatusPage.Render(report);

        Assert.Equal(new NotificationBacklog(7, 500, 500), report.Backlog!.Backlog);
        Assert.Contains("<dd data-backlog=\"queued\">7</dd>", html, StringComparison.Ordinal);
        Assert.Contains("<dd data-backlog=\"failed\" class=\"bad\">at least 500</dd>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_BacklogFails_ShowsTheRestAndNamesOnlyTheKindOfFailure()
    {
        await using var harness = await JobsHarness.StartAsync(
            azurite.Fixture, configure: s => s.AddSingleton<INotificationBacklog>(new FailingBacklog()));
        await SubmitAsync(harness, "room-next", "agent-1", JobSources.Http, DateTimeOffset.UtcNow.AddHours(1));

        var report = await harness.Services.Get<StatusReader>().ReadAsync(CancellationToken.None);

        Assert.Equal("could not be read (InvalidOperationException)", report.Backlog!.Problem);
        Assert.Single(report.Upcoming);
        Assert.DoesNotContain("https://backlog.example", StatusPage.Render(report), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_SourcesAndSecretsInSettings_ShowsNamesAndKinds_NeverASecretOrTheFeedUrl()
    {
        await using var harness = await JobsHarness.StartAsync(azurite.Fixture, AnswerByAgent, new Dictionary<string, string?>
        {
            ["VideoSdk:AuthToken"] = VideoSdkToken,
            ["Webhooks:Calendly:Secret"] = CalendlySecret,
            ["Webhooks:Standard:Secret"] = StandardSecret,
            ["Calendars:Feeds:0:Name"] = "team",
            ["Calendars:Feeds:0:Url"] = FeedUrl,
            ["Schedules:0:Name"] = "standup",
            ["Schedules:0:Cron"] = "0 9 * * 1-5",
            ["Schedules:0:TimeZone"] = "Europe/Berlin",
            ["Schedules:0:MeetingId"] = "abcd-efgh-ijkl",
            ["Schedules:0:AgentId"] = "agent-1",
            ["Confirmation:Mode"] = "Off",
            ["Notifications:Subscribers:0:Name"] = "crm",
            ["Notifications:Subscribers:0:Url"] = "https://crm.example/hooks?key=subscriber-key-91",
            ["Notifications:Subscribers:0:Secret"] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            ["Notifications:Subscribers:0:Events:0"] = "job.failed",
        });
        await SubmitAsync(harness, "room-rejected", "rejected-agent", JobSources.Http);

        var report = await harness.Services.Get<StatusReader>().ReadAsync(CancellationToken.None);
        var html = StatusPage.Render(report);

        var c = report.Configuration;
        Assert.Equal([new("Calendly", "setting"), new("CalCom", "off"), new("Standard", "setting")], c.WebhookProviders);
        Assert.Equal([new StatusSource("team", "setting")], c.CalendarFeeds);
        Assert.Equal([new StatusSchedule("standup", "0 9 * * 1-5", "Europe/Berlin")], c.Schedules);
        Assert.Equal(("app-setting", "Off"), (c.TokenSource, c.ConfirmationMode));
        Assert.Contains("<li data-feed=\"team\">team", html, StringComparison.Ordinal);
        Assert.Contains("<li data-schedule=\"standup\">standup", html, StringComparison.Ordinal);
        Assert.Equal([("crm", "job.failed")], c.Subscribers.Select(x => (x.Name, string.Join(",", x.Events))));
        Assert.Contains("<li data-subscriber=\"crm\">crm", html, StringComparison.Ordinal);
        foreach (var secret in new[] { "crm.example", "subscriber-key-91", FeedUrl, "feed-secret-456", "feed-path-7f3a", "127.0.0.1:9", CalendlySecret, StandardSecret, "whsec_", VideoSdkToken })
        {
            Assert.DoesNotContain(secret, html, StringComparison.Ordinal);
        }

        // VideoSDK's message is shown as text, never as markup.
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt; is not a room", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_SecretsInKeyVault_SaysSo_WithoutReadingTheVault()
    {
        await using var vault = await KeyVaultStandIn.StartAsync();
        vault.SetSecret("videosdk-token", VideoSdkToken);
        vault.SetSecret("team-feed-url", FeedUrl);
        await using var harness = await JobsHarness.StartAsync(
            azurite.Fixture,
            settings: new Dictionary<string, string?>
            {
                ["KeyVault:VaultUri"] = vault.VaultUri.AbsoluteUri,
                ["VideoSdk:TokenSecretName"] = "videosdk-token",
                ["Calendars:Feeds:0:Name"] = "team",
                ["Calendars:Feeds:0:UrlSecretName"] = "team-feed-url",
            },
            configure: s => s.AddSingleton(vault.CreateSecretClient()));

        var report = await harness.Services.Get<StatusReader>().ReadAsync(CancellationToken.None);
        var html = StatusPage.Render(report);

        Assert.Equal([new("Calendly", "key-vault"), new("CalCom", "key-vault"), new("Standard", "key-vault")], report.Configuration.WebhookProviders);
        Assert.Equal([new StatusSource("team", "key-vault")], report.Configuration.CalendarFeeds);
        Assert.Equal("key-vault-secret", report.Configuration.TokenSource);
        Assert.Equal(0, vault.TotalReads);
        Assert.DoesNotContain(vault.VaultUri.Authority, html, StringComparison.Ordinal);
        Assert.DoesNotContain("team-feed-url", html, StringComparison.Ordinal);
    }

    private sealed class FixedBacklog(NotificationBacklog backlog) : INotificationBacklog
    {
        public Task<NotificationBacklog> ReadAsync(CancellationToken cancellationToken) => Task.FromResult(backlog);
    }

    private sealed class FailingBacklog : INotificationBacklog
    {
        public Task<NotificationBacklog> ReadAsync(CancellationToken cancellationToken)
            => throw new InvalidOperationException("https://backlog.example/queue?sig=secret could not be read");
    }
}
