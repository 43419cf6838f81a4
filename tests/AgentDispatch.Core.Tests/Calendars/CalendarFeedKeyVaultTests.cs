using AgentDispatch.Calendars;
using AgentDispatch.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Core.Tests.Calendars;

/// <summary>
/// A feed whose URL (with its private token) lives in Key Vault, read through the real SecretClient from
/// the Key Vault stand-in: it works, is cached, is read again when refused, and never shows up in
/// exception messages or logs.
/// </summary>
public sealed class CalendarFeedKeyVaultTests : IAsyncLifetime
{
    private const string SecretName = "team-calendar-url";
    private const string Token = "private-0d6c2b9e8a71f4";
    private KeyVaultStandIn _vault = null!;
    private LoopbackServer _feed = null!;
    private int _status = 200;

    public async Task InitializeAsync()
    {
        _vault = await KeyVaultStandIn.StartAsync();
        _feed = await LoopbackServer.StartAsync(async (context, _) =>
        {
            context.Response.StatusCode = _status;
            context.Response.ContentType = "text/calendar";
            await context.Response.WriteAsync("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n");
        });
    }

    public async Task DisposeAsync()
    {
        await _feed.DisposeAsync();
        await _vault.DisposeAsync();
    }

    private string FeedUrl => new Uri(_feed.BaseAddress, $"calendar/ical/{Token}/basic.ics").AbsoluteUri;

    private CoreServices Services()
        => CoreServices.Build(
            new Dictionary<string, string?>
            {
                ["KeyVault:VaultUri"] = _vault.VaultUri.AbsoluteUri,
                ["Calendars:Feeds:0:Name"] = "team",
                ["Calendars:Feeds:0:UrlSecretName"] = SecretName,
            },
            services =>
            {
                services.AddSingleton(_vault.CreateSecretClient());
                services.AddCalendarFeeds();
            });

    private static Task<string> Fetch(CoreServices services)
        => services.Get<CalendarFeedFetcher>().FetchAsync(services.Get<IOptions<CalendarOptions>>().Value.Feeds[0], CancellationToken.None);

    private void AssertNoSecret(string text)
    {
        Assert.DoesNotContain(Token, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(FeedUrl, text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task FetchAsync_UrlFromKeyVault_IsFetchedAndReadFromTheVaultOnce()
    {
        _vault.SetSecret(SecretName, FeedUrl);
        await using var services = Services();

        Assert.StartsWith("BEGIN:VCALENDAR", await Fetch(services), StringComparison.Ordinal);
        Assert.StartsWith("BEGIN:VCALENDAR", await Fetch(services), StringComparison.Ordinal);

        Assert.Equal(2, _feed.Requests.Count);
        Assert.All(_feed.Requests, r => Assert.Equal($"/calendar/ical/{Token}/basic.ics", r.Path));
        Assert.Equal(1, _vault.ReadCount(SecretName));
        AssertNoSecret(services.AllLogText());
    }

    [Fact]
    public async Task FetchAsync_RefusedVaultUrl_ErrorHidesTheUrlAndTheSecretIsReadAgain()
    {
        _vault.SetSecret(SecretName, FeedUrl);
        _status = 404;
        await using var services = Services();

        var first = await Assert.ThrowsAsync<CalendarFeedException>(() => Fetch(services));
        var second = await Assert.ThrowsAsync<CalendarFeedException>(() => Fetch(services));

        Assert.Contains("HTTP 404", first.Message, StringComparison.Ordinal);
        AssertNoSecret(first.ToString());
        AssertNoSecret(second.ToString());
        AssertNoSecret(services.AllLogText());
        // A refused URL may have been rotated in the vault: it is not served from the cache again.
        Assert.Equal(2, _vault.ReadCount(SecretName));
    }

    [Fact]
    public async Task FetchAsync_SecretMissing_NamesTheSecretNotTransient()
    {
        await using var services = Services();

        var ex = await Assert.ThrowsAsync<CalendarFeedException>(() => Fetch(services));

        Assert.False(ex.IsTransient);
        Assert.Contains($"'{SecretName}' was not found", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_feed.Requests);
    }

    [Fact]
    public async Task FetchAsync_VaultUnavailable_IsTransient()
    {
        _vault.SetSecret(SecretName, FeedUrl);
        _vault.FailNextReads(1, StatusCodes.Status503ServiceUnavailable);
        await using var services = Services();

        var ex = await Assert.ThrowsAsync<CalendarFeedException>(() => Fetch(services));

        Assert.True(ex.IsTransient);
        Assert.Empty(_feed.Requests);
    }

    [Theory]
    [InlineData("http://calendar.example.com/private-0d6c2b9e8a71f4/basic.ics")]
    [InlineData("not a url private-0d6c2b9e8a71f4")]
    [InlineData("ftp://calendar.example.com/private-0d6c2b9e8a71f4.ics")]
    public async Task FetchAsync_SecretIsNotAnHttpsUrl_IsRefusedWithoutRepeatingIt(string value)
    {
        _vault.SetSecret(SecretName, value);
        await using var services = Services();

        var ex = await Assert.ThrowsAsync<CalendarFeedException>(() => Fetch(services));

        Assert.False(ex.IsTransient);
        Assert.Contains($"Key Vault secret '{SecretName}' does not hold an absolute https URL", ex.Message, StringComparison.Ordinal);
        AssertNoSecret(ex.ToString());
        AssertNoSecret(services.AllLogText());
    }
}
