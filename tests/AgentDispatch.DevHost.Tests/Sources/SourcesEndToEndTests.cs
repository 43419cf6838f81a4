using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.Calendars;
using AgentDispatch.Configuration;
using AgentDispatch.Schedules;
using AgentDispatch.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace AgentDispatch.DevHost.Tests.Sources;

/// <summary>
/// Calendars, schedules and rules added through the API of a running dev host (real HTTP on loopback,
/// Azurite, its own timer runners polling every second), with iCalendar feeds served on loopback: each
/// takes effect at the next poll or run, without a restart.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class SourcesEndToEndTests(StorageFixture storage) : IAsyncLifetime
{
    private const string FeedToken = "feed-token-0f3c9a1d77b2";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset Tomorrow = new(DateTime.UtcNow.Date.AddDays(1).AddHours(10), TimeSpan.Zero);

    private readonly Dictionary<string, string> _feeds = new(StringComparer.Ordinal);
    private LoopbackServer _feedServer = null!;

    public async Task InitializeAsync()
        => _feedServer = await LoopbackServer.StartAsync(async (context, request) =>
        {
            var path = request.Path.Split('?')[0];
            if (!_feeds.TryGetValue(path, out var feed))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            context.Response.ContentType = "text/calendar";
            await context.Response.WriteAsync(feed);
        });

    public async Task DisposeAsync() => await _feedServer.DisposeAsync();

    /// <summary>A feed of one meeting tomorrow whose LOCATION is a VideoSDK room.</summary>
    private static string Feed(string uid, string meetingId, DateTimeOffset start) => string.Join("\r\n",
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//AgentDispatch tests//EN",
        "BEGIN:VEVENT", $"UID:{uid}", $"DTSTAMP:{Utc(start)}", $"DTSTART:{Utc(start)}", $"DTEND:{Utc(start.AddMinutes(30))}",
        "SUMMARY:Team sync", $"LOCATION:https://app.videosdk.live/meeting/{meetingId}", "END:VEVENT",
        "END:VCALENDAR") + "\r\n";

    private static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The feed's URL with its secret part: a token in the path and the query.</summary>
    private string FeedUrl(string path) => new Uri(_feedServer.BaseAddress, $"{path.TrimStart('/')}?token={FeedToken}").AbsoluteUri;

    private Task<RunningDevHost> StartHostAsync(params string[] extra) => RunningDevHost.StartAsync(
        storage,
        builder => builder.Logging.SetMinimumLevel(LogLevel.Debug).AddFakeLogging(),
        [
            $"--DISPATCH_REQUESTS_QUEUE={AzuriteFixture.UniqueName("requests")}",
            $"--DISPATCH_WAKE_QUEUE={AzuriteFixture.UniqueName("wake")}",
            $"--DISPATCH_NOTIFICATIONS_QUEUE={AzuriteFixture.UniqueName("notify")}",
            $"--Jobs:LedgerTable={AzuriteFixture.UniqueName("ledger")}",
            $"--Sources:Table={AzuriteFixture.UniqueName("sources")}",
            "--CALENDAR_POLL_SCHEDULE=*/1 * * * * *",
            "--SCHEDULES_POLL_SCHEDULE=*/1 * * * * *",
            "--Logging:LogLevel:Default=Debug",
            .. extra,
        ]);

    private static async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(
        RunningDevHost host, HttpMethod method, string path, string? json = null, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        var response = await host.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    private static async Task<JsonArray> JobsOfMeetingAsync(RunningDevHost host, string meetingId)
        => JsonNode.Parse(await host.Client.GetStringAsync($"api/dispatches?meetingId={meetingId}"))!["items"]!.AsArray();

    /// <summary>Reads until <paramref name="done"/> holds or the deadline passes; returns the last read. Nothing is asserted about how long it took.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var until = DateTime.UtcNow + Deadline;
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > until)
            {
                return value;
            }

            await Task.Delay(200);
        }
    }

    private static string AllLogs(RunningDevHost host)
        => string.Join('\n', host.App.Services.GetRequiredService<FakeLogCollector>().GetSnapshot().Select(r => r.Message + " " + r.Exception));

    [Fact]
    public async Task Calendar_AddedPatchedAndDeleted_DrivesItsJobsAtTheNextPolls_WithoutRestart_AndNeverShowsOrLogsItsUrl()
    {
        _feeds["/feeds/team/basic.ics"] = Feed("sync@tests", "team-sync-room", Tomorrow);
        _feeds["/feeds/team/moved.ics"] = Feed("other@tests", "team-othr-room", Tomorrow.AddHours(1));
        await using var host = await StartHostAsync("--Routing:Rules:0:Sources=calendar", "--Routing:Rules:0:AgentId=calendar-agent");

        var created = await SendAsync(host, HttpMethod.Post, "api/calendars", $$"""{"name":"team","url":"{{FeedUrl("/feeds/team/basic.ics")}}"}""");

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal("/api/calendars/team", created.Response.Headers.Location?.OriginalString);
        Assert.Equal($"http://127.0.0.1:{_feedServer.BaseAddress.Port}/…", (string)created.Body!["url"]!);
        Assert.Equal("ical", (string)created.Body["source"]!);
        Assert.False((bool)created.Body["readOnly"]!);
        Assert.Equal("api", (string)created.Body["definedIn"]!);
        Assert.NotNull(created.Response.Headers.ETag);

        var jobs = await EventuallyAsync(() => JobsOfMeetingAsync(host, "team-sync-room"), j => j.Count == 1);
        var job = Assert.Single(jobs)!;
        Assert.Equal("scheduled", (string)job["state"]!);
        Assert.Equal("calendar-agent", (string)job["agentId"]!);

        var synced = await EventuallyAsync(async () => (await SendAsync(host, HttpMethod.Get, "api/calendars/team")).Body!, c => c["lastSyncAt"] is not null);
        Assert.Null(synced["lastError"]);
        Assert.NotNull(synced["nextSyncAt"]);

        var patched = await SendAsync(host, HttpMethod.Patch, "api/calendars/team", $$"""{"url":"{{FeedUrl("/feeds/team/moved.ics")}}"}""", ifMatch: created.Response.Headers.ETag!.ToString());
        Assert.Equal(HttpStatusCode.OK, patched.Status);
        var moved = await EventuallyAsync(() => JobsOfMeetingAsync(host, "team-othr-room"), j => j.Count == 1);
        Assert.Equal("scheduled", (string)Assert.Single(moved)!["state"]!);
        var gone = await EventuallyAsync(() => JobsOfMeetingAsync(host, "team-sync-room"), j => (string?)j[0]!["state"] == "cancelled");
        Assert.Equal("cancelled", (string)gone[0]!["state"]!);

        var stale = await SendAsync(host, HttpMethod.Patch, "api/calendars/team", """{"url":"https://calendar.example.com/x.ics"}""", ifMatch: created.Response.Headers.ETag.Tag);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.Status);
        Assert.EndsWith(":etag-mismatch", (string)stale.Body!["type"]!, StringComparison.Ordinal);

        var deleted = await SendAsync(host, HttpMethod.Delete, "api/calendars/team");
        Assert.Equal(HttpStatusCode.NoContent, deleted.Status);
        var cancelled = Assert.Single(await JobsOfMeetingAsync(host, "team-othr-room"))!;
        Assert.Equal("cancelled", (string)cancelled["state"]!);
        Assert.Equal("Cancelled because calendar 'team' was deleted through the API.", (string)cancelled["lastMessage"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(host, HttpMethod.Get, "api/calendars/team")).Status);

        var listed = (await SendAsync(host, HttpMethod.Get, "api/calendars")).Body!["items"]!.AsArray();
        Assert.DoesNotContain(listed, c => (string?)c!["name"] == "team");
        var logs = AllLogs(host);
        Assert.Contains("Runtime Calendar team created through the API", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(FeedToken, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("/feeds/team", logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calendar_WhoseFeedAnswers404_ShowsItInLastError_AndTheApiAnswers200()
    {
        await using var host = await StartHostAsync("--Routing:Rules:0:AgentId=calendar-agent");

        var created = await SendAsync(host, HttpMethod.Post, "api/calendars", $$"""{"name":"missing","url":"{{FeedUrl("/feeds/nowhere.ics")}}"}""");
        Assert.Equal(HttpStatusCode.Created, created.Status);

        var calendar = await EventuallyAsync(async () => await SendAsync(host, HttpMethod.Get, "api/calendars/missing"), c => c.Body?["lastError"] is not null);

        Assert.Equal(HttpStatusCode.OK, calendar.Status);
        Assert.Equal("the server answered HTTP 404 (the feed is gone or the URL is wrong).", (string)calendar.Body!["lastError"]!);
        Assert.Null(calendar.Body["lastSyncAt"]);
        Assert.NotNull(calendar.Body["lastAttemptAt"]);
        Assert.DoesNotContain(FeedToken, calendar.Body.ToJsonString(), StringComparison.Ordinal);

        // Logged once as it started failing, not at every poll.
        await EventuallyAsync(() => Task.FromResult(host.App.Services.GetRequiredService<FakeLogCollector>().GetSnapshot().Count(r => r.Id.Id == 804)), n => n >= 2);
        Assert.Single(host.App.Services.GetRequiredService<FakeLogCollector>().GetSnapshot(), r => r.Id.Id == 800 && r.Message.Contains("missing", StringComparison.Ordinal));

        var status = await host.Client.GetStringAsync("api/status");
        Assert.Contains("data-feed=\"missing\"", status, StringComparison.Ordinal);
        Assert.Contains("last poll: the server answered HTTP 404", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rule_AddedThroughTheApi_RoutesTheCalendarsMeetingsAtTheNextPoll()
    {
        _feeds["/feeds/routed.ics"] = Feed("routed@tests", "rout-edrm-room", Tomorrow);
        await using var host = await StartHostAsync();
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(host, HttpMethod.Post, "api/calendars", $$"""{"name":"routed","url":"{{FeedUrl("/feeds/routed.ics")}}"}""")).Status);
        await EventuallyAsync(async () => (await SendAsync(host, HttpMethod.Get, "api/calendars/routed")).Body!, c => c["lastSyncAt"] is not null);
        Assert.Empty(await JobsOfMeetingAsync(host, "rout-edrm-room"));

        var rule = await SendAsync(host, HttpMethod.Post, "api/rules", """{"name":"team-calendars","sources":["calendar"],"titlePattern":"^Team","agentId":"runtime-agent","leadTime":"00:01:00","variables":{"topic":"{{meeting.title}}"}}""");

        Assert.Equal(HttpStatusCode.Created, rule.Status);
        Assert.Equal("calendar", (string)rule.Body!["sources"]!);
        var jobs = await EventuallyAsync(() => JobsOfMeetingAsync(host, "rout-edrm-room"), j => j.Count == 1);
        var job = Assert.Single(jobs)!;
        Assert.Equal("runtime-agent", (string)job["agentId"]!);
        Assert.Equal(Tomorrow.AddMinutes(-1), DateTimeOffset.Parse((string)job["dispatchAt"]!, CultureInfo.InvariantCulture));
        Assert.Equal("Team sync", (string)job["metadata"]!["variables"]![0]!["value"]!);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(host, HttpMethod.Patch, "api/rules/team-calendars", """{"agentId":"other-agent"}""")).Status);
        var rerouted = await EventuallyAsync(() => JobsOfMeetingAsync(host, "rout-edrm-room"), j => (string?)j[0]!["agentId"] == "other-agent");
        Assert.Equal("other-agent", (string)rerouted[0]!["agentId"]!);
    }

    [Fact]
    public async Task Schedule_AddedChangedAndDeleted_MakesMovesAndCancelsItsJobs()
    {
        await using var host = await StartHostAsync();

        var created = await SendAsync(host, HttpMethod.Post, "api/schedules", """{"name":"standup","cron":"*/5 * * * *","meetingId":"stnd-upup-room","agentId":"standup-agent","metadata":{"variables":[{"name":"team","value":"core"}]},"window":"00:02:00"}""");

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal("core", (string)created.Body!["metadata"]!["variables"]![0]!["value"]!);
        var jobs = await EventuallyAsync(() => JobsOfMeetingAsync(host, "stnd-upup-room"), j => j.Count >= 2);
        Assert.True(jobs.Count >= 2, $"{jobs.Count} jobs");
        Assert.All(jobs, j => Assert.Equal("standup-agent", (string)j!["agentId"]!));

        var later = DateTimeOffset.UtcNow.AddMinutes(2);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(host, HttpMethod.Patch, "api/schedules/standup", """{"agentId":"new-agent"}""")).Status);
        var changed = await EventuallyAsync(
            () => JobsOfMeetingAsync(host, "stnd-upup-room"),
            j => j.Where(Later).All(x => (string?)x!["agentId"] == "new-agent" && (string?)x["state"] == "scheduled"));
        Assert.Contains(changed, Later);
        Assert.All(changed.Where(Later), j => Assert.Equal(("new-agent", "scheduled"), ((string)j!["agentId"]!, (string)j["state"]!)));

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(host, HttpMethod.Delete, "api/schedules/standup")).Status);
        var after = await JobsOfMeetingAsync(host, "stnd-upup-room");
        Assert.All(after.Where(Later), j => Assert.Equal("cancelled", (string)j!["state"]!));
        Assert.All(after.Where(Later), j => Assert.Equal("Cancelled because schedule 'standup' was deleted through the API.", (string)j!["lastMessage"]!));

        bool Later(JsonNode? j) => DateTimeOffset.Parse((string)j!["dispatchAt"]!, CultureInfo.InvariantCulture) > later;
    }

    [Fact]
    public async Task SettingsSources_AreListedReadOnly_AndRefuseChangeDeleteAndTheirNames()
    {
        await using var host = await StartHostAsync(
            "--Calendars:Feeds:0:Name=office",
            $"--Calendars:Feeds:0:Url={FeedUrl("/feeds/office.ics")}",
            "--Schedules:0:Name=weekly",
            "--Schedules:0:Cron=0 9 * * 1",
            "--Schedules:0:MeetingId=week-lyyy-room",
            "--Schedules:0:AgentId=weekly-agent",
            "--Routing:Rules:0:Name=everything",
            "--Routing:Rules:0:AgentId=any-agent");

        var calendars = (await SendAsync(host, HttpMethod.Get, "api/calendars")).Body!["items"]!.AsArray();
        var office = Assert.Single(calendars, c => (string?)c!["name"] == "office")!;
        Assert.True((bool)office["readOnly"]!);
        Assert.Equal("settings", (string)office["definedIn"]!);
        Assert.Equal($"http://127.0.0.1:{_feedServer.BaseAddress.Port}/…", (string)office["url"]!);
        Assert.DoesNotContain(FeedToken, calendars.ToJsonString(), StringComparison.Ordinal);
        Assert.True((bool)(await SendAsync(host, HttpMethod.Get, "api/schedules/weekly")).Body!["readOnly"]!);
        Assert.Equal("any-agent", (string)(await SendAsync(host, HttpMethod.Get, "api/rules/everything")).Body!["agentId"]!);

        foreach (var (method, path, body) in new[]
        {
            (HttpMethod.Patch, "api/calendars/office", """{"url":"https://calendar.example.com/x.ics"}"""),
            (HttpMethod.Delete, "api/calendars/OFFICE", null),
            (HttpMethod.Patch, "api/schedules/weekly", """{"cron":"0 10 * * 1"}"""),
            (HttpMethod.Delete, "api/rules/everything", null),
        })
        {
            var refused = await SendAsync(host, method, path, body);
            Assert.Equal(HttpStatusCode.Conflict, refused.Status);
            Assert.Equal("application/problem+json", refused.Response.Content.Headers.ContentType?.MediaType);
            Assert.EndsWith(":read-only", (string)refused.Body!["type"]!, StringComparison.Ordinal);
            Assert.Contains("comes from the app settings", (string)refused.Body["detail"]!, StringComparison.Ordinal);
            Assert.Equal("settings", (string)refused.Body["definedIn"]!);
        }

        var taken = await SendAsync(host, HttpMethod.Post, "api/calendars", """{"name":"Office","url":"https://calendar.example.com/office.ics"}""");
        Assert.Equal(HttpStatusCode.Conflict, taken.Status);
        Assert.EndsWith(":name-taken", (string)taken.Body!["type"]!, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Created, (await SendAsync(host, HttpMethod.Post, "api/rules", """{"name":"later","agentId":"b"}""")).Status);
        var duplicate = await SendAsync(host, HttpMethod.Post, "api/rules", """{"name":"LATER","agentId":"c"}""");
        Assert.Equal(HttpStatusCode.Conflict, duplicate.Status);
    }

    [Fact]
    public async Task BadFields_AreAnswered400NamingTheField_WithTheSettingsOwnMessages()
    {
        await using var host = await StartHostAsync();

        var schedule = await SendAsync(host, HttpMethod.Post, "api/schedules", """{"name":"bad","cron":"61 * * * *","timeZone":"Mars/Olympus_Mons","meetingId":" ","agentId":"a","window":"2.00:00:00","colour":"red"}""");
        var settings = SettingsFailures(new Dictionary<string, string?>
        {
            ["Schedules:0:Name"] = "bad", ["Schedules:0:Cron"] = "61 * * * *", ["Schedules:0:TimeZone"] = "Mars/Olympus_Mons",
            ["Schedules:0:MeetingId"] = " ", ["Schedules:0:AgentId"] = "a", ["Schedules:0:Window"] = "2.00:00:00",
        });

        Assert.Equal(HttpStatusCode.BadRequest, schedule.Status);
        Assert.Equal("application/problem+json", schedule.Response.Content.Headers.ContentType?.MediaType);
        foreach (var (field, setting) in new[] { ("cron", "Cron"), ("timeZone", "TimeZone"), ("meetingId", "MeetingId"), ("window", "Window") })
        {
            var message = (string)schedule.Body!["errors"]![field]![0]!;
            Assert.Contains($"Schedules:0:{setting} {message}", settings);
        }

        Assert.Contains("colour", schedule.Body!["errors"]!.AsObject().Select(e => e.Key));

        var calendar = await SendAsync(host, HttpMethod.Post, "api/calendars", """{"name":"team calendar","url":"http://calendar.example.com/team.ics"}""");
        var calendarSettings = CalendarFailures(new Dictionary<string, string?> { ["Calendars:Feeds:0:Name"] = "team calendar", ["Calendars:Feeds:0:Url"] = "http://calendar.example.com/team.ics" });
        Assert.Equal(HttpStatusCode.BadRequest, calendar.Status);
        Assert.Contains($"Calendars:Feeds:0:Name {(string)calendar.Body!["errors"]!["name"]![0]!}", calendarSettings);
        Assert.Contains($"Calendars:Feeds:0:Url {(string)calendar.Body["errors"]!["url"]![0]!}", calendarSettings);
        Assert.DoesNotContain("calendar.example.com", calendar.Body.ToJsonString(), StringComparison.Ordinal);

        var both = await SendAsync(host, HttpMethod.Post, "api/calendars", """{"name":"both","url":"https://calendar.example.com/a.ics","urlSecretName":"a-secret"}""");
        Assert.Contains("Calendars:Feeds:0 " + (string)both.Body!["errors"]!["url"]![0]!, CalendarFailures(new Dictionary<string, string?>
        {
            ["Calendars:Feeds:0:Name"] = "both", ["Calendars:Feeds:0:Url"] = "https://calendar.example.com/a.ics", ["Calendars:Feeds:0:UrlSecretName"] = "a-secret",
        }));

        // A Microsoft 365 calendar is checked by Microsoft365:Mailboxes' own checks, and refuses a feed's fields.
        var mailbox = await SendAsync(host, HttpMethod.Post, "api/calendars", """{"name":"rooms","source":"microsoft365","mailbox":"not a mailbox","url":"https://calendar.example.com/a.ics"}""");
        var mailboxSettings = new Microsoft365.Microsoft365OptionsValidator(new ConfigurationBuilder().Build())
            .Validate(null, new Microsoft365.Microsoft365Options { Mailboxes = [new Microsoft365.MailboxOptions { Name = "rooms", Mailbox = "not a mailbox" }] }).Failures;
        Assert.Equal(HttpStatusCode.BadRequest, mailbox.Status);
        Assert.Contains($"Microsoft365:Mailboxes:0:Mailbox {(string)mailbox.Body!["errors"]!["mailbox"]![0]!}", mailboxSettings!);
        Assert.Contains("a Microsoft 365 calendar names its mailbox", (string)mailbox.Body["errors"]!["url"]![0]!, StringComparison.Ordinal);
        var unknownSource = await SendAsync(host, HttpMethod.Post, "api/calendars", """{"name":"rooms","source":"google"}""");
        Assert.Contains("'microsoft365'", (string)unknownSource.Body!["errors"]!["source"]![0]!, StringComparison.Ordinal);

        var rule = await SendAsync(host, HttpMethod.Post, "api/rules", """{"name":"r","sources":"zoom","titlePattern":"(","agentId":"a","variables":{"x":"{{attendee.phone}}"}}""");
        var ruleSettings = RuleFailures(new Dictionary<string, string?>
        {
            ["Routing:Rules:0:Name"] = "r", ["Routing:Rules:0:Sources"] = "zoom", ["Routing:Rules:0:TitlePattern"] = "(", ["Routing:Rules:0:AgentId"] = "a",
            ["Routing:Rules:0:Variables:x"] = "{{attendee.phone}}",
        });
        Assert.Equal(HttpStatusCode.BadRequest, rule.Status);
        foreach (var (field, setting) in new[] { ("sources", "Sources"), ("titlePattern", "TitlePattern"), ("variables.x", "Variables:x") })
        {
            Assert.Contains($"Routing:Rules:0:{setting} {(string)rule.Body!["errors"]![field]![0]!}", ruleSettings);
        }

        var wrongType = await SendAsync(host, HttpMethod.Post, "api/schedules", """{"name":"n","cron":5,"meetingId":"m","agentId":"a"}""");
        Assert.Equal("must be a string, not a number.", (string)wrongType.Body!["errors"]!["cron"]![0]!);
    }

    private static List<string> SettingsFailures(Dictionary<string, string?> settings)
    {
        var options = new ScheduleOptions();
        options.ReadFrom(new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(ScheduleOptions.Section));
        var failures = new List<string>();
        ScheduleParser.Parse(options, failures);
        return failures;
    }

    private static List<string> CalendarFailures(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var provider = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddCalendarFeeds().BuildServiceProvider();
        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<CalendarOptions>>().Value);
        return [.. ex.Failures];
    }

    private static List<string> RuleFailures(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = ConfigurationBinder.Get<Events.Routing.RoutingOptions>(configuration.GetSection("Routing"))!;
        Events.Routing.Router.Compile(options, out var errors);
        return errors;
    }
}
