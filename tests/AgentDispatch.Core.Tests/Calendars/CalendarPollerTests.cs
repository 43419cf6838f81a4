using System.Globalization;
using AgentDispatch.Calendars;
using AgentDispatch.Core.Tests.Jobs;
using AgentDispatch.Jobs;
using AgentDispatch.Testing;
using Microsoft.AspNetCore.Http;

namespace AgentDispatch.Core.Tests.Calendars;

/// <summary>
/// A feed served from loopback, polled into the ledger (real Azurite): occurrences become jobs, polling
/// again changes nothing, moved occurrences move their jobs, removed and cancelled ones cancel them,
/// and a feed that fails to load leaves everything as it was.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CalendarPollerTests(AzuriteCollectionFixture azurite)
{
    private static readonly DateTimeOffset Tomorrow9 = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(1).AddHours(9), TimeSpan.Zero);

    private string _feed = "";
    private int _status = 200;

    private static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A daily stand-up over the next days (with optional EXDATE and a moved second occurrence) and a one-off review.</summary>
    private static string Feed(string? exdate = null, TimeSpan? moveSecond = null, bool cancelReview = false)
    {
        var second = Tomorrow9.AddDays(1);
        var lines = new List<string>
        {
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//AgentDispatch tests//EN",
            "BEGIN:VEVENT", "UID:standup@tests", "SEQUENCE:0", $"DTSTAMP:{Utc(Tomorrow9)}", $"DTSTART:{Utc(Tomorrow9)}", $"DTEND:{Utc(Tomorrow9.AddMinutes(15))}",
            "RRULE:FREQ=DAILY;COUNT=5", "SUMMARY:Daily stand-up", "LOCATION:https://app.videosdk.live/meeting/stnd-upup-room",
            "ORGANIZER;CN=Olga:mailto:olga@acme.example",
        };
        if (exdate is not null)
        {
            lines.Add($"EXDATE:{exdate}");
        }

        lines.Add("END:VEVENT");
        if (moveSecond is { } delta)
        {
            lines.AddRange([
                "BEGIN:VEVENT", "UID:standup@tests", "SEQUENCE:1", $"DTSTAMP:{Utc(Tomorrow9)}", $"RECURRENCE-ID:{Utc(second)}",
                $"DTSTART:{Utc(second + delta)}", $"DTEND:{Utc(second + delta + TimeSpan.FromMinutes(15))}", "SUMMARY:Daily stand-up (moved)",
                "LOCATION:https://app.videosdk.live/meeting/stnd-upup-room", "END:VEVENT",
            ]);
        }

        lines.AddRange([
            "BEGIN:VEVENT", "UID:review@tests", $"DTSTAMP:{Utc(Tomorrow9)}", $"DTSTART:{Utc(Tomorrow9.AddHours(5))}", $"DTEND:{Utc(Tomorrow9.AddHours(6))}",
            "SUMMARY:Quarterly review", "DESCRIPTION:Join at https://app.videosdk.live/meeting/revw-room-0001", cancelReview ? "STATUS:CANCELLED" : "STATUS:CONFIRMED", "END:VEVENT",
            "END:VCALENDAR",
        ]);
        return string.Join("\r\n", lines) + "\r\n";
    }

    private async Task<(JobsHarness Harness, LoopbackServer Server)> StartAsync()
    {
        var server = await LoopbackServer.StartAsync(async (context, _) =>
        {
            context.Response.StatusCode = _status;
            context.Response.ContentType = "text/calendar";
            await context.Response.WriteAsync(_feed);
        });
        var harness = await JobsHarness.StartAsync(azurite.Fixture, settings: new Dictionary<string, string?>
        {
            ["Calendars:Feeds:0:Name"] = "team",
            ["Calendars:Feeds:0:Url"] = new Uri(server.BaseAddress, "team.ics").AbsoluteUri,
            // Three days, not two: the second stand-up (the day after tomorrow, 09:00 UTC, moved to 09:30)
            // must be inside the horizon whatever the time of day the tests run at.
            ["Calendars:Horizon"] = "3.00:00:00",
            ["Routing:Rules:0:Sources"] = "calendar",
            ["Routing:Rules:0:AgentId"] = "standup-agent",
            ["Routing:Rules:0:LeadTime"] = "00:00:30",
        });
        return (harness, server);
    }

    private static async Task<List<DispatchJob>> Jobs(JobsHarness harness)
        => [.. (await harness.Jobs.ListAsync(null, null, 100, null, CancellationToken.None))!.Items.OrderBy(j => j.DispatchAt)];

    [Fact]
    public async Task Poll_CreatesAJobPerOccurrenceInTheHorizon_AndPollingAgainCreatesNothing()
    {
        var (harness, server) = await StartAsync();
        await using var _ = harness;
        await using var __ = server;
        _feed = Feed();
        var poller = harness.Services.Get<CalendarPoller>();

        var first = await poller.PollAsync(CancellationToken.None);
        var second = await poller.PollAsync(CancellationToken.None);

        var jobs = await Jobs(harness);
        var horizonEnd = DateTimeOffset.UtcNow.AddDays(3);
        var expectedStandups = Enumerable.Range(0, 5).Select(i => Tomorrow9.AddDays(i)).Count(t => t <= horizonEnd);
        Assert.Equal(expectedStandups + 1, jobs.Count);
        Assert.Equal(jobs.Count, first.Created);
        Assert.Equal((0, 0, jobs.Count), (second.Created, second.Cancelled, second.Unchanged));
        Assert.All(jobs, j => Assert.Equal(("calendar", "calendar:team", "standup-agent"), (j.Source, j.Origin, j.AgentId)));
        Assert.Equal(Tomorrow9.AddSeconds(-30), jobs[0].DispatchAt);
        Assert.Equal("stnd-upup-room", jobs[0].MeetingId);
        Assert.Contains(jobs, j => j.MeetingId == "revw-room-0001");
    }

    [Fact]
    public async Task Poll_MovedOccurrenceMovesItsJob_RemovedAndCancelledOnesCancelTheirs()
    {
        var (harness, server) = await StartAsync();
        await using var _ = harness;
        await using var __ = server;
        var poller = harness.Services.Get<CalendarPoller>();
        _feed = Feed();
        await poller.PollAsync(CancellationToken.None);
        var before = await Jobs(harness);

        _feed = Feed(exdate: Utc(Tomorrow9), moveSecond: TimeSpan.FromMinutes(30), cancelReview: true);
        var report = await poller.PollAsync(CancellationToken.None);
        var after = await Jobs(harness);

        Assert.Equal(before.Count, after.Count); // moved and cancelled in place: no new jobs
        Assert.Equal(JobState.Cancelled, after.Single(j => j.Id == before[0].Id).State); // EXDATE'd first stand-up
        var moved = after.Single(j => j.Id == before.Single(b => b.DispatchAt == Tomorrow9.AddDays(1).AddSeconds(-30)).Id);
        Assert.Equal((JobState.Scheduled, Tomorrow9.AddDays(1).AddMinutes(30).AddSeconds(-30)), (moved.State, moved.DispatchAt));
        Assert.Equal(JobState.Cancelled, after.Single(j => j.MeetingId == "revw-room-0001").State);
        Assert.Equal(1, report.Moved);
        Assert.Equal(2, report.Cancelled);
    }

    [Fact]
    public async Task Poll_OccurrencesBackInTheFeed_RevivesTheJobsTheyHad()
    {
        var (harness, server) = await StartAsync();
        await using var _ = harness;
        await using var __ = server;
        var poller = harness.Services.Get<CalendarPoller>();
        _feed = Feed();
        await poller.PollAsync(CancellationToken.None);
        var before = await Jobs(harness);
        _feed = Feed(exdate: Utc(Tomorrow9), cancelReview: true);
        await poller.PollAsync(CancellationToken.None);

        _feed = Feed(); // the exception removed, the review un-cancelled
        var report = await poller.PollAsync(CancellationToken.None);
        var after = await Jobs(harness);

        Assert.Equal(before.Select(j => (j.Id, JobState.Scheduled, j.DispatchAt)), after.Select(j => (j.Id, j.State, j.DispatchAt)));
        Assert.Equal((2, 0), (report.Moved, report.Created));
    }

    [Fact]
    public async Task Poll_JobCancelledThroughTheApi_IsNotRevivedByTheFeed()
    {
        var (harness, server) = await StartAsync();
        await using var _ = harness;
        await using var __ = server;
        var poller = harness.Services.Get<CalendarPoller>();
        _feed = Feed();
        await poller.PollAsync(CancellationToken.None);
        var first = (await Jobs(harness))[0];
        await harness.Jobs.CancelAsync(first.Id, CancellationToken.None);

        await poller.PollAsync(CancellationToken.None);

        Assert.Equal(JobState.Cancelled, (await harness.Ledger.GetAsync(first.Id, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task Poll_FeedDown_LeavesEveryJobAsItWas()
    {
        var (harness, server) = await StartAsync();
        await using var _ = harness;
        await using var __ = server;
        var poller = harness.Services.Get<CalendarPoller>();
        _feed = Feed();
        await poller.PollAsync(CancellationToken.None);

        _status = 503;
        _feed = "";
        var report = await poller.PollAsync(CancellationToken.None);

        Assert.Equal(1, report.FailedFeeds);
        Assert.All(await Jobs(harness), j => Assert.Equal(JobState.Scheduled, j.State));
    }
}
