using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AgentDispatch.DevHost.Tests.Status;

/// <summary>
/// The status page in a real headless Chromium, served by the dev host with its own VideoSDK emulator
/// and behind a function key: jobs scheduled, failed, joined and not joined appear where they should, the
/// page refreshes itself (a job added after it loaded shows up without the test reloading it, which only
/// works if the refresh keeps <c>?code=</c>), it asks nothing of any host but loopback, and it never shows
/// a secret. It writes the screenshot the README shows.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class StatusPageBrowserTests(StorageFixture storage)
{
    private const string FunctionKey = "status-page-function-key-5d1e";
    private const string CalendlySecret = "status-page-calendly-secret-1c9a";
    private const string FeedToken = "status-page-feed-token-77b2";
    private static readonly string StandardSecret = "whsec_" + Convert.ToBase64String(Encoding.UTF8.GetBytes("status-page-standard-secret-0123"));
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>A calendar feed on loopback whose URL carries a token, as private feed URLs do; it has no events.</summary>
    private static Task<LoopbackServer> StartFeedAsync() => LoopbackServer.StartAsync(async (context, _) =>
    {
        context.Response.ContentType = "text/calendar";
        await context.Response.WriteAsync("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//status test//EN\r\nEND:VCALENDAR\r\n");
    });

    [Fact]
    public async Task StatusPage_InChromium_ShowsTimelineOutcomesCountsAndConfiguration_RefreshesItself_AndStaysOnLoopback()
    {
        HeadlessChromium.EnsureInstalled();
        await using var feed = await StartFeedAsync();
        var feedUrl = $"{feed.BaseAddress}calendars/{FeedToken}/basic.ics?token={FeedToken}";
        await using var host = await RunningDevHost.StartAsync(
            storage,
            $"--DISPATCH_REQUESTS_QUEUE={AzuriteFixture.UniqueName("requests")}",
            $"--DISPATCH_WAKE_QUEUE={AzuriteFixture.UniqueName("wake")}",
            $"--Jobs:LedgerTable={AzuriteFixture.UniqueName("ledger")}",
            $"--DevHost:FunctionKey={FunctionKey}",
            "--Emulator:JoinDelay=00:00:00.300",
            "--Confirmation:Timeout=00:00:05",
            "--Confirmation:PollInterval=00:00:01",
            "--Confirmation:OnNotJoined=Fail",
            $"--Webhooks:Calendly:Secret={CalendlySecret}",
            $"--Webhooks:Standard:Secret={StandardSecret}",
            "--Calendars:Feeds:0:Name=team",
            $"--Calendars:Feeds:0:Url={feedUrl}",
            "--Schedules:0:Name=standup",
            "--Schedules:0:Cron=0 9 * * 1-5",
            "--Schedules:0:TimeZone=Europe/Berlin",
            "--Schedules:0:MeetingId=stand-up-room",
            "--Schedules:0:AgentId=StandupAgent");
        host.Client.DefaultRequestHeaders.Add("x-functions-key", FunctionKey);
        using var emulator = new HttpClient { BaseAddress = host.Emulator!.BaseAddress };

        // Version v2 of FailingAgent is not deployed: VideoSDK answers "Agent Not Deployed" and the job fails for good.
        await PutAsync(emulator, "_emulator/deployments", """[{"agentId":"*","versionId":"v1"}]""");
        // The agent sent to status-absent never comes into the room.
        await PutAsync(emulator, "_emulator/join-faults", """[{"kind":"never","meetingId":"status-absent"}]""");

        var now = DateTimeOffset.UtcNow;
        await CreateAsync(host, """{"meetingId":"status-later","agentId":"MyAgent","dispatchAt":"__AT__"}""".Replace("__AT__", now.AddHours(2).ToString("o"), StringComparison.Ordinal));
        await CreateAsync(host, """{"meetingId":"status-tomorrow","agentId":"MyAgent","dispatchAt":"__AT__"}""".Replace("__AT__", now.AddHours(20).ToString("o"), StringComparison.Ordinal));
        var failed = await CreateAsync(host, """{"meetingId":"status-failed","agentId":"FailingAgent","versionId":"v2"}""");
        var joined = await CreateAsync(host, """{"meetingId":"status-joined","agentId":"MyAgent"}""");
        var absent = await CreateAsync(host, """{"meetingId":"status-absent","agentId":"MyAgent"}""");
        Assert.Equal("failed", await WaitForStateAsync(host, failed, "failed"));
        Assert.Equal("joined", await WaitForStateAsync(host, joined, "joined"));
        Assert.Equal("not-joined", await WaitForStateAsync(host, absent, "not-joined"));

        var (playwright, browser) = await HeadlessChromium.LaunchAsync();
        using var disposePlaywright = playwright;
        await using var disposeBrowser = browser;
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });

        // Anything not on loopback is recorded and refused: the page must work offline.
        var requested = new List<string>();
        await context.RouteAsync("**/*", async route =>
        {
            var url = new Uri(route.Request.Url);
            lock (requested)
            {
                requested.Add(route.Request.Url);
            }

            if (url.Scheme is "http" or "https" && url.IsLoopback)
            {
                await route.ContinueAsync();
            }
            else
            {
                await route.AbortAsync();
            }
        });
        var page = await context.NewPageAsync();
        page.Request += (_, request) =>
        {
            lock (requested)
            {
                requested.Add(request.Url);
            }
        };
        var navigations = 0;
        page.FrameNavigated += (_, frame) =>
        {
            if (frame == page.MainFrame)
            {
                Interlocked.Increment(ref navigations);
            }
        };
        var statusUrl = new Uri(host.BaseAddress, $"api/status?code={FunctionKey}").AbsoluteUri;

        var response = await page.GotoAsync(statusUrl);

        Assert.Equal(200, response!.Status);
        await Expect(page).ToHaveTitleAsync("AgentDispatch status");
        var timeline = page.Locator("#timeline");
        await Expect(timeline.Locator("svg text", new() { HasText = "status-later" })).ToBeVisibleAsync();
        await Expect(timeline.Locator("svg text", new() { HasText = "status-tomorrow" })).ToBeVisibleAsync();
        await Expect(timeline.Locator("tbody tr").First).ToContainTextAsync("status-later");
        await Expect(timeline.Locator("caption")).ToContainTextAsync("The next 24 h");

        var failedRow = page.Locator("#outcomes tr[data-state=failed]");
        await Expect(failedRow).ToContainTextAsync("status-failed");
        await Expect(failedRow).ToContainTextAsync("Agent Not Deployed");
        await Expect(failedRow).ToContainTextAsync("✗ failed");
        await Expect(failedRow).ToHaveClassAsync("bad");
        await Expect(failedRow.Locator(".badge")).ToHaveCSSAsync("color", await ColorOfAsync(page, "--bad"));
        var absentRow = page.Locator("#outcomes tr[data-state=not-joined]");
        await Expect(absentRow).ToContainTextAsync("status-absent");
        await Expect(absentRow).ToContainTextAsync("not seen in the room");
        await Expect(absentRow).ToHaveClassAsync("warn");
        await Expect(page.Locator("#outcomes tr[data-state=joined]")).ToContainTextAsync("status-joined");
        await Expect(page.Locator("#alerts")).ToHaveTextAsync("Among the latest outcomes: 1 failed, 1 not joined.");

        var http = page.Locator("#counts tr[data-source=http]");
        await Expect(http.Locator("td[data-state=scheduled]")).ToHaveTextAsync("2");
        await Expect(http.Locator("td[data-state=failed]")).ToHaveTextAsync("1");
        await Expect(http.Locator("td[data-state=joined]")).ToHaveTextAsync("1");
        await Expect(http.Locator("td[data-state=not-joined]")).ToHaveTextAsync("1");
        await Expect(page.Locator("#summary")).ToContainTextAsync("jobs read");

        await Expect(page.Locator("#backlog")).ToContainTextAsync("Failed (dead-lettered)");
        var configuration = page.Locator("#configuration");
        await Expect(configuration.Locator("[data-webhook=Calendly]")).ToContainTextAsync("on (secret in settings)");
        await Expect(configuration.Locator("[data-webhook=Standard]")).ToContainTextAsync("on (secret in settings)");
        await Expect(configuration.Locator("[data-webhook=CalCom]")).ToContainTextAsync("off");
        await Expect(configuration.Locator("[data-feed=team]")).ToContainTextAsync("URL in settings");
        await Expect(configuration.Locator("[data-schedule=standup]")).ToContainTextAsync("0 9 * * 1-5 Europe/Berlin");
        await Expect(configuration.Locator("[data-config=token-source]")).ToHaveTextAsync("app-setting");
        await Expect(configuration.Locator("[data-config=confirmation]")).ToContainTextAsync("Both");

        // Added after the page loaded: the page's own refresh must bring it, the test never reloads.
        await CreateAsync(host, """{"meetingId":"status-added","agentId":"MyAgent","dispatchAt":"__AT__"}""".Replace("__AT__", now.AddHours(4).ToString("o"), StringComparison.Ordinal));
        await Expect(timeline.Locator("tbody")).ToContainTextAsync("status-added", new() { Timeout = (float)Deadline.TotalMilliseconds });
        await Expect(page.Locator("#refresh")).ToContainTextAsync("Refreshed at");
        Assert.Equal(1, Volatile.Read(ref navigations));
        Assert.Equal(statusUrl, page.Url);

        var html = await page.ContentAsync();
        foreach (var secret in new[] { FunctionKey, CalendlySecret, StandardSecret, "whsec_", FeedToken, feedUrl, feed.BaseAddress.Authority, DevHostApplication.EmulatorToken })
        {
            Assert.DoesNotContain(secret, html, StringComparison.Ordinal);
        }

        lock (requested)
        {
            Assert.NotEmpty(requested);
            Assert.All(requested, url => Assert.True(new Uri(url).IsLoopback, $"The page requested {url}, which is not on loopback."));
            Assert.All(requested, url => Assert.StartsWith(host.BaseAddress.AbsoluteUri + "api/status?code=", url, StringComparison.Ordinal));
        }

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepositoryFiles.Root, "docs", "images", "status-page.png"), FullPage = true });
    }

    private static async Task<string> ColorOfAsync(IPage page, string variable)
        => await page.EvaluateAsync<string>(
            "v => { const probe = document.createElement('span'); probe.style.color = `var(${v})`; document.body.append(probe); const c = getComputedStyle(probe).color; probe.remove(); return c; }",
            variable);

    private static async Task PutAsync(HttpClient client, string path, string json)
    {
        using var response = await client.PutAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<string> CreateAsync(RunningDevHost host, string json)
    {
        using var response = await host.Client.PostAsync("api/dispatches", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Accepted, $"POST /api/dispatches {json}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (string)(await response.Content.ReadFromJsonAsync<JsonNode>())!["id"]!;
    }

    /// <summary>Reads the job until it is final (or <paramref name="expected"/>), within a generous deadline; returns its state.</summary>
    private static async Task<string?> WaitForStateAsync(RunningDevHost host, string id, string expected)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            var state = (string?)JsonNode.Parse(await host.Client.GetStringAsync($"api/dispatches/{id}"))!["state"];
            if (state == expected || state is "failed" or "not-joined" or "expired" or "cancelled" || DateTime.UtcNow - started > Deadline)
            {
                return state;
            }

            await Task.Delay(200);
        }
    }
}
