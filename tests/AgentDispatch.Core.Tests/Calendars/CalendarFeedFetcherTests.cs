using System.Text;
using AgentDispatch.Calendars;
using AgentDispatch.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Core.Tests.Calendars;

/// <summary>The fetcher against real HTTP servers on loopback, wired exactly as the app wires it.</summary>
public sealed class CalendarFeedFetcherTests : IAsyncLifetime
{
    // Private feed URLs carry their credential in the path, as Google's and Outlook's do.
    private const string SecretPath = "calendar/ical/private-7f3a9c2e5d1b/basic.ics";
    private LoopbackServer _feed = null!;
    private Func<HttpContext, Task> _answer = context => Answer(context, 200, "text/calendar; charset=utf-8", CalendarFeedParserTests.Fixture("team.ics"));

    public async Task InitializeAsync()
        => _feed = await LoopbackServer.StartAsync((context, _) => _answer(context));

    public async Task DisposeAsync() => await _feed.DisposeAsync();

    private string FeedUrl => new Uri(_feed.BaseAddress, SecretPath).AbsoluteUri;

    private static async Task Answer(HttpContext context, int status, string? contentType, string? body)
    {
        context.Response.StatusCode = status;
        if (contentType is not null)
        {
            context.Response.ContentType = contentType;
        }

        if (body is not null)
        {
            await context.Response.WriteAsync(body);
        }
    }

    private static CoreServices Services(Dictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
        => CoreServices.Build(settings, services =>
        {
            configure?.Invoke(services);
            services.AddCalendarFeeds();
        });

    private CoreServices PlainUrlServices(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Calendars:Feeds:0:Name"] = "team",
            ["Calendars:Feeds:0:Url"] = FeedUrl,
            ["Calendars:MaxBytes"] = "1024",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return Services(settings);
    }

    private static CalendarFeedOptions Feed(CoreServices services) => services.Get<IOptions<CalendarOptions>>().Value.Feeds[0];

    private static void AssertNoUrl(string text, string url)
    {
        Assert.DoesNotContain(url, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("private-7f3a9c2e5d1b", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task FetchAsync_TextCalendar_ReturnsTheFeedAsSent()
    {
        await using var services = PlainUrlServices(("Calendars:MaxBytes", "1048576"));

        var text = await services.Get<CalendarFeedFetcher>().FetchAsync(Feed(services), CancellationToken.None);

        Assert.Equal(CalendarFeedParserTests.Fixture("team.ics"), text);
        var request = Assert.Single(_feed.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal("/" + SecretPath, request.Path);
        Assert.Contains("text/calendar", request.Headers["Accept"], StringComparison.Ordinal);
        AssertNoUrl(services.AllLogText(), FeedUrl);
        Assert.Contains(services.Logs.GetSnapshot(), r => r.Message.Contains("Calendar feed team fetched", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/octet-stream")]
    [InlineData(null)]
    public async Task FetchAsync_TextLikeContentTypes_AreAccepted(string? contentType)
    {
        _answer = context => Answer(context, 200, contentType, "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
        await using var services = PlainUrlServices();

        Assert.Equal("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", await services.Get<CalendarFeedFetcher>().FetchAsync(Feed(services), CancellationToken.None));
    }

    [Fact]
    public async Task FetchAsync_HtmlPage_IsRefused()
    {
        _answer = context => Answer(context, 200, "text/html; charset=utf-8", "<html><body>Sign in</body></html>");
        await using var services = PlainUrlServices();

        var ex = await Assert.ThrowsAsync<CalendarFeedException>(() => services.Get<CalendarFeedFetcher>().FetchAsync(Feed(services), CancellationToken.None));

        Assert.False(ex.IsTransient);
        Assert.Contains("'text/html'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchAsync_DeclaredLengthOverTheLimit_IsRefusedNamingTheLimitNotTheUrl()
    {
        _answer = async context =>
        {
            context.Response.ContentType = "text/calendar";
            context.Response.ContentLength = 4096;
            await context.Response.WriteAsync(new string('x', 4096));
        };
        await using var services = PlainUrlServices();

        var ex = await Assert.ThrowsAsync<CalendarFeedException>(() => services.Get<CalendarFeedFetcher>().FetchAsync(Feed(services), CancellationToken.None));

        Assert.False(ex.IsTransient);
        Assert.Equal("Calendar feed 'team': the feed is larger than 1024 bytes (Calendars:MaxBytes); it was not read.", ex.Message);
        AssertNoUrl(ex.ToString(), FeedUrl);
        AssertNoUrl(services.AllLogText(), FeedUrl);
    }

    [Fact]
    public async Task FetchAsync_EndlessChunkedBody_StopsReadingAtTheLimit()
    {
        _answer = async context =>
        {
            context.Response.ContentType = "text/calendar";
            var chunk = Encoding.ASCII.GetBytes(new string('x', 512));
            // No Content-Length and no end: only a reader that stops at the limit returns.
            while (!context.RequestAborted.IsCancellationRequested)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        };
        await using var services = PlainUrlServices(("Calendars:FetchTimeout", "00:00:30"));

        var ex = await Assert.ThrowsAsync<CalendarFeedException>(() => services.Get<CalendarFeedFetcher>().FetchAsync(Feed(services), CancellationToken.None));

        Assert.Contains("larger than 1024 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(404, false)]
    [InlineData(410, false)]
    [InlineData(401, false)]
    [InlineData(500, true)]
    [InlineData(503, true)]
    [InlineData(429, true)]
    public async Task FetchAsync_ErrorStatus_NamesTheStatusAndWhetherToRetry(int status, bool transient)
    {
        _answer = context => Answer(context, status, "text/plain", "nope");
        await using var services = PlainUrlServices();

        var ex = await Assert.ThrowsAsync<CalendarFeedException>(() => services.Get<CalendarFeedFetcher>().FetchAsync(Feed(services), CancellationToken.None));

        Assert.Equal(transient, ex.IsTransient);
        Assert.Contains($"HTTP {status}", ex.Message, StringComparison.Ordinal);
        Assert.Equal("team", ex.FeedName);
        Assert.Contains(
            services.Logs.GetSnapshot(),
            r => r.Level == Microsoft.Extensions.Logging.LogLevel.Warning
                && r.Message.StartsWith($"Calendar feed team not fetched (transient: {transient}): the server answered HTTP {status}", StringComparison.Ordinal));
        AssertNoUrl(ex.ToString(), FeedUrl);
        AssertNoUrl(services.AllLogText(), FeedUrl);
    }

    [Fact]
    public async Task FetchAsync_Redirect_IsRefusedAndTheTargetNeverRequested()
    {
        await using var target = await LoopbackServer.StartAsync((context, _) => Answer(context, 200, "text/calendar", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"));
        _answer = context =>
        {
            context.Response.Headers.Location = new Uri(target.BaseAddress, "elsewhere.ics").AbsoluteUri;
            return Answer(context, 302, null, null);
        };
        await using var services = PlainUrlServices();

        var ex = await Assert.ThrowsAsync<CalendarFeedException>(() => services.Get<CalendarFeedFetcher>().FetchAsync(Feed(services), CancellationToken.None));

        Assert.False(ex.IsTransient);
        Assert.Contains("HTTP 302", ex.Message, StringComparison.Ordinal);
        Assert.Contains("only the configured URL is fetched", ex.Message, StringComparison.Ordinal);
        Assert.Single(_feed.Requests);
        Assert.Empty(target.Requests);
    }

    [Fact]
    public async Task FetchAsync_ServerTooSlow_IsATransientTimeout()
    {
        _answer = async context =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
            await Answer(context, 200, "text/calendar", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
        };
        await using var services = PlainUrlServices(("Calendars:FetchTimeout", "00:00:01"));

        var ex = await Assert.ThrowsAsync<CalendarFeedException>(() => services.Get<CalendarFeedFetcher>().FetchAsync(Feed(services), CancellationToken.None));

        Assert.True(ex.IsTransient);
        Assert.Contains("within 1 s", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchAsync_CallerCancels_IsACancellationNotAFeedError()
    {
        _answer = async context => await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
        await using var services = PlainUrlServices();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => services.Get<CalendarFeedFetcher>().FetchAsync(Feed(services), cancel.Token));
    }

    [Fact]
    public async Task FetchAsync_NothingListening_IsTransient()
    {
        var closed = new Uri(_feed.BaseAddress, SecretPath).AbsoluteUri;
        await _feed.DisposeAsync();
        _feed = await LoopbackServer.StartAsync((context, _) => _answer(context));
        await using var services = Services(new() { ["Calendars:Feeds:0:Name"] = "team", ["Calendars:Feeds:0:Url"] = closed });

        var ex = await Assert.ThrowsAsync<CalendarFeedException>(() => services.Get<CalendarFeedFetcher>().FetchAsync(Feed(services), CancellationToken.None));

        Assert.True(ex.IsTransient);
        AssertNoUrl(ex.ToString(), closed);
    }

    [Fact]
    public async Task FetchAsync_NonUtf8Charset_IsDecoded()
    {
        _answer = async context =>
        {
            context.Response.ContentType = "text/calendar; charset=iso-8859-1";
            await context.Response.Body.WriteAsync(Encoding.Latin1.GetBytes("BEGIN:VCALENDAR\r\nX-NAME:Müller\r\nEND:VCALENDAR\r\n"));
        };
        await using var services = PlainUrlServices();

        Assert.Contains("Müller", await services.Get<CalendarFeedFetcher>().FetchAsync(Feed(services), CancellationToken.None), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchedFeed_ParsesIntoOccurrences()
    {
        await using var services = PlainUrlServices(("Calendars:MaxBytes", "1048576"));

        var text = await services.Get<CalendarFeedFetcher>().FetchAsync(Feed(services), CancellationToken.None);
        var result = CalendarFeedParser.Parse("team", text, new DateTimeOffset(2026, 3, 10, 6, 0, 0, TimeSpan.Zero), TimeSpan.FromDays(4));

        Assert.Equal(5, result.Occurrences.Count);
    }
}
