using AgentDispatch.Jobs;
using AgentDispatch.Microsoft365;
using AgentDispatch.Status;

namespace AgentDispatch.Core.Tests.Microsoft365;

/// <summary>
/// A mailbox in the Graph stand-in, followed through real subscriptions, notifications and delta pages
/// (the real Graph SDK client over loopback HTTP) into the ledger in Azurite: meetings created, moved,
/// cancelled, deleted and recurring become, move and cancel jobs, and every fault the stand-in can
/// inject ends where it should — caught by the next delta, re-subscribed, waited out, or shown.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class MailboxSyncTests(AzuriteCollectionFixture azurite)
{
    private const string JoinUrl = "https://app.videosdk.live/meeting/team-sync-room";
    private const string MeetingId = "team-sync-room";
    private static readonly DateTimeOffset InTwoHours = Whole(DateTimeOffset.UtcNow.AddHours(2));

    private static DateTimeOffset Whole(DateTimeOffset at) => new(at.Year, at.Month, at.Day, at.Hour, at.Minute, 0, TimeSpan.Zero);

    [Fact]
    public async Task FirstSync_MakesJobsOfTheMeetingsAlreadyThere_AcrossDeltaPages()
    {
        await using var h = await Microsoft365Harness.StartAsync(azurite.Fixture);
        // Page size 3 in the harness: seven meetings take three pages.
        var ids = Enumerable.Range(0, 7).Select(i => h.Stand.AddEvent(Microsoft365Harness.Mailbox, $"Meeting {i}", InTwoHours.AddMinutes(i * 30), joinUrl: JoinUrl)).ToList();

        await h.SubscribeAndSyncAsync();

        foreach (var id in ids)
        {
            var job = await h.JobAsync(id);
            Assert.NotNull(job);
            Assert.Equal(MeetingId, job.MeetingId);
            Assert.Equal(Microsoft365Harness.Agent, job.AgentId);
            Assert.Equal("microsoft365:team", job.Origin);
            Assert.Equal(JobSources.Microsoft365, job.Source);
        }

        Assert.True(h.Stand.Requests.Count(r => r.Kind == "delta") >= 3);
    }

    [Fact]
    public async Task CreatedMeeting_BecomesAJob_ThroughTheNotificationAndTheDelta()
    {
        await using var h = await Microsoft365Harness.StartAsync(azurite.Fixture);
        await h.SubscribeAndSyncAsync();

        var id = h.Stand.AddEvent(Microsoft365Harness.Mailbox, "Planning", InTwoHours, location: "Room 4 / " + JoinUrl);

        Assert.True(await h.UntilAsync(async () => await h.JobAsync(id) is not null));
        var job = (await h.JobAsync(id))!;
        Assert.Equal(InTwoHours, job.DispatchAt);
        Assert.Equal(JobState.Scheduled, job.State);
        Assert.Contains(h.Stand.Notifications, n => n.Kind == "change:created" && n.Status == 202);
    }

    [Fact]
    public async Task MovedMeeting_MovesItsJob_CancelledAndDeletedOnesCancelTheirs()
    {
        await using var h = await Microsoft365Harness.StartAsync(azurite.Fixture);
        var moved = h.Stand.AddEvent(Microsoft365Harness.Mailbox, "Moved", InTwoHours, body: "Join " + JoinUrl);
        var cancelled = h.Stand.AddEvent(Microsoft365Harness.Mailbox, "Cancelled", InTwoHours.AddHours(1), joinUrl: JoinUrl);
        var deleted = h.Stand.AddEvent(Microsoft365Harness.Mailbox, "Deleted", InTwoHours.AddHours(2), joinUrl: JoinUrl);
        await h.SubscribeAndSyncAsync();
        var original = (await h.JobAsync(moved))!;

        h.Stand.MoveEvent(Microsoft365Harness.Mailbox, moved, InTwoHours.AddMinutes(45));
        h.Stand.CancelEvent(Microsoft365Harness.Mailbox, cancelled);
        h.Stand.DeleteEvent(Microsoft365Harness.Mailbox, deleted);

        Assert.True(await h.UntilAsync(async () =>
            (await h.JobAsync(moved))?.DispatchAt == InTwoHours.AddMinutes(45)
            && (await h.JobAsync(cancelled))?.State == JobState.Cancelled
            && (await h.JobAsync(deleted))?.State == JobState.Cancelled));
        var after = (await h.JobAsync(moved))!;
        Assert.Equal(original.Id, after.Id);
        Assert.Equal(JobState.Scheduled, after.State);
        Assert.Equal(CancelReasons.Source, (await h.JobAsync(deleted))!.CancelReason);
    }

    [Fact]
    public async Task RecurringMeeting_EachOccurrenceIsAJob_AndOneCancelledOrMovedChangesOnlyItsOwn()
    {
        await using var h = await Microsoft365Harness.StartAsync(azurite.Fixture);
        var series = h.Stand.AddEvent(Microsoft365Harness.Mailbox, "Stand-up", InTwoHours, joinUrl: JoinUrl, occurrences: 4, interval: TimeSpan.FromDays(1));
        await h.SubscribeAndSyncAsync();
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(InTwoHours.AddDays(i), (await h.JobAsync($"{series}_occ{i}"))?.DispatchAt);
        }

        h.Stand.CancelOccurrence(Microsoft365Harness.Mailbox, series, 1);
        h.Stand.MoveOccurrence(Microsoft365Harness.Mailbox, series, 2, InTwoHours.AddDays(2).AddHours(1));

        Assert.True(await h.UntilAsync(async () =>
            (await h.JobAsync($"{series}_occ1"))?.State == JobState.Cancelled
            && (await h.JobAsync($"{series}_occ2"))?.DispatchAt == InTwoHours.AddDays(2).AddHours(1)));
        Assert.Equal(JobState.Scheduled, (await h.JobAsync($"{series}_occ0"))!.State);
        Assert.Equal(InTwoHours.AddDays(3), (await h.JobAsync($"{series}_occ3"))!.DispatchAt);
    }

    [Fact]
    public async Task MeetingWithoutAVideoSdkMeeting_IsIgnored_WithTheReason()
    {
        await using var h = await Microsoft365Harness.StartAsync(azurite.Fixture);
        var id = h.Stand.AddEvent(Microsoft365Harness.Mailbox, "Lunch", InTwoHours, location: "Canteen");

        await h.SubscribeAndSyncAsync();

        Assert.Null(await h.JobAsync(id));
        Assert.Contains(h.Jobs.Services.Logs.GetSnapshot(), r => r.Message.Contains("no VideoSDK meeting id was found", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LostNotification_IsCaughtByTheTimersDelta_OnceTheResyncIntervalHasPassed()
    {
        var clock = Jobs.JobsHarness.NewClock();
        await using var h = await Microsoft365Harness.StartAsync(azurite.Fixture, time: clock);
        await h.SubscribeAndSyncAsync();
        h.Stand.LoseNextNotifications(1);

        var id = h.Stand.AddEvent(Microsoft365Harness.Mailbox, "Booked an hour ahead", InTwoHours, joinUrl: JoinUrl);
        await h.PumpAsync();
        Assert.Contains(h.Stand.Notifications, n => n.Lost);
        Assert.Null(await h.JobAsync(id));
        Assert.Equal(0, (await h.MaintainAsync()).SyncsQueued); // not due yet: the last sync was just now

        clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        Assert.Equal(1, (await h.MaintainAsync()).SyncsQueued);

        Assert.True(await h.UntilAsync(async () => await h.JobAsync(id) is not null));
    }

    [Fact]
    public async Task SubscriptionRemoved_SubscribesAgain_AndNotificationsFlowOnTheNewOne()
    {
        await using var h = await Microsoft365Harness.StartAsync(azurite.Fixture);
        var first = await h.SubscribeAndSyncAsync();

        h.Stand.RemoveSubscription(first);

        Assert.True(await h.UntilAsync(async () => (await h.StateAsync())?.SubscriptionId is { } id && id != first));
        var second = Assert.Single(h.Stand.Subscriptions);
        Assert.NotEqual(first, second.Id);
        Assert.Equal((await h.StateAsync())!.SubscriptionId, second.Id);

        var evt = h.Stand.AddEvent(Microsoft365Harness.Mailbox, "After the gap", InTwoHours, joinUrl: JoinUrl);
        Assert.True(await h.UntilAsync(async () => await h.JobAsync(evt) is not null));
        Assert.Contains(h.Stand.Notifications, n => n.SubscriptionId == second.Id && n.Status == 202);
    }

    [Fact]
    public async Task MissedLifecycleNotification_Resyncs()
    {
        await using var h = await Microsoft365Harness.StartAsync(azurite.Fixture);
        var subscription = await h.SubscribeAndSyncAsync();
        h.Stand.LoseNextNotifications(1);
        var id = h.Stand.AddEvent(Microsoft365Harness.Mailbox, "Missed", InTwoHours, joinUrl: JoinUrl);
        await h.PumpAsync();
        Assert.Null(await h.JobAsync(id));

        h.Stand.SendLifecycle(subscription, "missed");

        Assert.True(await h.UntilAsync(async () => await h.JobAsync(id) is not null));
    }

    [Fact]
    public async Task ReauthorizationRequired_Reauthorizes()
    {
        await using var h = await Microsoft365Harness.StartAsync(azurite.Fixture);
        var subscription = await h.SubscribeAndSyncAsync();

        h.Stand.SendLifecycle(subscription, "reauthorizationRequired");

        Assert.True(await h.UntilAsync(() => Task.FromResult(h.Stand.Requests.Any(r => r.Kind == "reauthorize" && r.Status == 204))));
        Assert.Equal(subscription, Assert.Single(h.Stand.Subscriptions).Id);
    }

    [Fact]
    public async Task NotificationAfterASyncThatBeganAndFailed_IsNotTakenAsCovered_AndIsSynced()
    {
        await using var h = await Microsoft365Harness.StartAsync(azurite.Fixture);
        await h.SubscribeAndSyncAsync();
        h.Stand.LoseNextNotifications(1); // the change reaches the app only through the message below
        var id = h.Stand.AddEvent(Microsoft365Harness.Mailbox, "After a failed sync", InTwoHours, joinUrl: JoinUrl);
        var notifiedAt = DateTimeOffset.UtcNow;

        // A sync began after the notification and then failed (an instance stopped mid-way, Storage down):
        // it recorded its start and never its success.
        var store = h.Get<MailboxStateStore>();
        await store.UpdateAsync("team", s => s with { LastSyncStartedAt = notifiedAt.AddSeconds(1) }, CancellationToken.None);
        var report = await h.Get<MailboxWork>().HandleAsync(new MailboxWorkMessage("team", MailboxActions.Sync, notifiedAt), CancellationToken.None);

        // A sync that began after it and succeeded does cover the next one.
        var covered = await h.Get<MailboxWork>().HandleAsync(new MailboxWorkMessage("team", MailboxActions.Sync, notifiedAt), CancellationToken.None);

        Assert.NotNull(report);
        Assert.True(report.Succeeded);
        Assert.NotNull(await h.JobAsync(id));
        Assert.Null(covered);
    }

    [Fact]
    public async Task Throttled_WaitsTheRetryAfter_ThenSyncs()
    {
        await using var h = await Microsoft365Harness.StartAsync(azurite.Fixture);
        await h.SubscribeAndSyncAsync();
        h.Stand.ThrottleNext(1, TimeSpan.FromSeconds(2));

        var id = h.Stand.AddEvent(Microsoft365Harness.Mailbox, "Throttled", InTwoHours, joinUrl: JoinUrl);

        Assert.True(await h.UntilAsync(async () => await h.JobAsync(id) is not null));
        Assert.Contains(h.Stand.Requests, r => r.Status == 429);
        Assert.Equal(0, h.Stand.EarlyRequests); // no request came before the Retry-After had passed
        var state = (await h.StateAsync())!;
        Assert.Null(state.LastError);
        Assert.Null(state.ThrottledUntil);
    }

    [Fact]
    public async Task PermissionNotGranted_IsTheMailboxsLastError_NamingThePermission_AndOnTheStatusPage()
    {
        await using var h = await Microsoft365Harness.StartAsync(azurite.Fixture);
        h.Stand.SetForbidden(Microsoft365Harness.Mailbox, true);

        await h.MaintainAsync();
        await h.PumpAsync();

        var state = (await h.StateAsync())!;
        Assert.Contains("Calendars.Read", state.LastError, StringComparison.Ordinal);
        Assert.Contains("403", state.LastError, StringComparison.Ordinal);
        Assert.Contains("Calendars.Read", state.SubscriptionError, StringComparison.Ordinal);
        Assert.NotNull(state.NextSyncAt);
        var report = await h.Get<StatusReader>().ReadAsync(CancellationToken.None);
        var shown = Assert.Single(report.Mailboxes);
        Assert.False(shown.Subscribed);
        Assert.Contains("Calendars.Read", shown.LastError, StringComparison.Ordinal);
        Assert.Contains("Calendars.Read", StatusPage.Render(report), StringComparison.Ordinal);

        // Granted again: the next sync clears the error.
        h.Stand.SetForbidden(Microsoft365Harness.Mailbox, false);
        var again = await h.Get<MailboxSync>().SyncAsync(h.Team, full: false, CancellationToken.None);
        Assert.True(again.Succeeded);
        Assert.Null((await h.StateAsync())!.LastError);
    }

    [Fact]
    public async Task UnknownMailbox_IsTheMailboxsLastError()
    {
        await using var h = await Microsoft365Harness.StartAsync(azurite.Fixture, mailbox: "nobody@contoso.example", inStandIn: false);

        var report = await h.Get<MailboxSync>().SyncAsync(new MailboxDefinition("team", "nobody@contoso.example"), full: false, CancellationToken.None);

        Assert.False(report.Succeeded);
        var state = (await h.StateAsync())!;
        Assert.Contains("does not know mailbox 'nobody@contoso.example'", state.LastError, StringComparison.Ordinal);
        Assert.Contains("404", state.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeltaLinkGraphNoLongerKnows_IsFollowedByAFullSync()
    {
        await using var h = await Microsoft365Harness.StartAsync(azurite.Fixture);
        await h.SubscribeAndSyncAsync();
        h.Stand.ExpireDeltaTokens();

        var id = h.Stand.AddEvent(Microsoft365Harness.Mailbox, "After the reset", InTwoHours, joinUrl: JoinUrl);

        Assert.True(await h.UntilAsync(async () => await h.JobAsync(id) is not null));
        Assert.Contains(h.Stand.Requests, r => r.Kind == "delta" && r.Status == 410);
    }

    [Fact]
    public async Task Notification_WithTheWrongClientStateOrAnUnknownSubscription_IsIgnoredAndNotLogged()
    {
        await using var h = await Microsoft365Harness.StartAsync(azurite.Fixture);
        var subscription = await h.SubscribeAndSyncAsync();
        const string Forged = "forged-client-state-value-1234567890";
        var body = System.Text.Encoding.UTF8.GetBytes(
            $$"""{"value":[{"subscriptionId":"{{subscription}}","clientState":"{{Forged}}","changeType":"created"},{"subscriptionId":"{{Guid.NewGuid()}}","clientState":"{{Forged}}","changeType":"created"},{"clientState":"x"}]}""");

        var receipt = await h.Get<GraphNotificationReceiver>().ReceiveAsync(body, lifecycle: false, CancellationToken.None);

        Assert.Equal(GraphReceiptKind.Accepted, receipt.Kind);
        Assert.Equal(0, receipt.Queued);
        Assert.Equal(3, receipt.Ignored);
        Assert.Equal(0, await h.PumpAsync());
        Assert.DoesNotContain(Forged, h.Jobs.Services.AllLogText(), StringComparison.Ordinal);
        Assert.Contains("client-state-mismatch", h.Jobs.Services.AllLogText(), StringComparison.Ordinal);
        Assert.Contains("unknown-subscription", h.Jobs.Services.AllLogText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscription_IsRenewedWhenLessThanHalfItsLifetimeIsLeft_AndItsClientStateIsKeptOnlyAsAHash()
    {
        // Twelve hours, so that the renewed expiry stays within the stand-in's limit on its own (real) clock.
        var clock = Jobs.JobsHarness.NewClock();
        await using var h = await Microsoft365Harness.StartAsync(azurite.Fixture, time: clock, settings: new Dictionary<string, string?> { ["Microsoft365:SubscriptionLifetime"] = "12:00:00" });
        var id = await h.SubscribeAndSyncAsync();
        var clientState = Assert.Single(h.Stand.Subscriptions).ClientState!;
        var state = (await h.StateAsync())!;
        Assert.Equal(ClientStates.Hash(clientState), state.ClientStateHash);
        Assert.NotEqual(clientState, state.ClientStateHash);

        clock.Advance(TimeSpan.FromHours(5));
        Assert.Equal(0, (await h.MaintainAsync()).Renewed);
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(1, (await h.MaintainAsync()).Renewed);

        Assert.Equal(id, Assert.Single(h.Stand.Subscriptions).Id);
        Assert.Contains(h.Stand.Requests, r => r.Kind == "renew" && r.Status == 200);
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromHours(12), (await h.StateAsync())!.SubscriptionExpiresAt);
        Assert.DoesNotContain(clientState, h.Jobs.Services.AllLogText(), StringComparison.Ordinal);
    }
}
