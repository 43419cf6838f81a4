using AgentDispatch.Calendars;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Core.Tests.Calendars;

/// <summary>Bad calendar settings stop start-up with a message naming each one, and never repeating a URL.</summary>
public sealed class CalendarOptionsTests
{
    private static string Failures(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var provider = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddCalendarFeeds()
            .BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<CalendarOptions>>().Value);
        return string.Join('\n', ex.Failures);
    }

    private static CalendarOptions Valid(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var provider = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddCalendarFeeds()
            .BuildServiceProvider();
        return provider.GetRequiredService<IOptions<CalendarOptions>>().Value;
    }

    [Fact]
    public void Defaults_NoFeeds_AreValid()
    {
        var options = Valid([]);

        Assert.Empty(options.Feeds);
        Assert.Equal(TimeSpan.FromDays(2), options.Horizon);
        Assert.Equal(2 * 1024 * 1024, options.MaxBytes);
        Assert.Equal(TimeSpan.FromSeconds(15), options.FetchTimeout);
    }

    [Fact]
    public void Feeds_BindFromIndexedSettings()
    {
        var options = Valid(new()
        {
            ["Calendars:Feeds:0:Name"] = "team",
            ["Calendars:Feeds:0:Url"] = "https://calendar.example.com/team.ics",
            ["Calendars:Feeds:1:Name"] = "sales_EU-1",
            ["Calendars:Feeds:1:UrlSecretName"] = "sales-calendar-url",
            ["KeyVault:VaultUri"] = "https://my-vault.vault.azure.net/",
            ["Calendars:Horizon"] = "1.00:00:00",
        });

        Assert.Equal(["team", "sales_EU-1"], options.Feeds.Select(f => f.Name));
        Assert.Equal("https://calendar.example.com/team.ics", options.Feeds[0].Url);
        Assert.Equal("sales-calendar-url", options.Feeds[1].UrlSecretName);
        Assert.Equal(TimeSpan.FromDays(1), options.Horizon);
    }

    [Fact]
    public void AddCalendarFeeds_Twice_BindsEachFeedOnce()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Calendars:Feeds:0:Name"] = "team",
            ["Calendars:Feeds:0:Url"] = "https://calendar.example.com/team.ics",
        }).Build();
        using var provider = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddCalendarFeeds()
            .AddCalendarFeeds()
            .BuildServiceProvider();

        Assert.Equal(["team"], provider.GetRequiredService<IOptions<CalendarOptions>>().Value.Feeds.Select(f => f.Name));
    }

    [Fact]
    public void PlainHttpToANonLoopbackHost_IsRefusedWithoutRepeatingTheUrl()
    {
        var message = Failures(new()
        {
            ["Calendars:Feeds:0:Name"] = "ok",
            ["Calendars:Feeds:0:Url"] = "https://calendar.example.com/ok.ics",
            ["Calendars:Feeds:1:Name"] = "team",
            ["Calendars:Feeds:1:Url"] = "http://calendar.example.com/private-abc123/team.ics",
        });

        Assert.Equal(
            "Calendars:Feeds:1:Url must be an absolute https URL (plain http is allowed only for a loopback host such as 127.0.0.1, for tests and local runs).",
            message);
        Assert.DoesNotContain("private-abc123", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/feed.ics")]
    [InlineData("http://localhost/feed.ics")]
    [InlineData("http://[::1]:8080/feed.ics")]
    public void PlainHttpToLoopback_IsAllowed(string url)
        => Assert.Single(Valid(new() { ["Calendars:Feeds:0:Name"] = "local", ["Calendars:Feeds:0:Url"] = url }).Feeds);

    [Fact]
    public void EveryBadSetting_IsNamed()
    {
        var message = Failures(new()
        {
            ["Calendars:Feeds:0:Name"] = "team",
            ["Calendars:Feeds:0:Url"] = "https://calendar.example.com/a.ics",
            ["Calendars:Feeds:1:Name"] = "TEAM",
            ["Calendars:Feeds:1:Url"] = "https://calendar.example.com/b.ics",
            ["Calendars:Feeds:2:Name"] = "has space",
            ["Calendars:Feeds:2:Url"] = "calendar.example.com/c.ics",
            ["Calendars:Feeds:3:Name"] = "both",
            ["Calendars:Feeds:3:Url"] = "https://calendar.example.com/d.ics",
            ["Calendars:Feeds:3:UrlSecretName"] = "d-url",
            ["Calendars:Feeds:4:Name"] = "vault",
            ["Calendars:Feeds:4:UrlSecretName"] = "not_a_secret_name",
            ["Calendars:Feeds:5:Name"] = "neither",
            ["Calendars:Feeds:6:Name"] = new string('n', 65),
            ["Calendars:Feeds:6:Url"] = "https://calendar.example.com/g.ics",
            ["Calendars:Horizon"] = "00:30:00",
            ["Calendars:MaxBytes"] = "100",
            ["Calendars:FetchTimeout"] = "00:00:00",
        });

        Assert.Contains("Calendars:Feeds:1:Name 'TEAM' is also the name of Calendars:Feeds:0: feed names must be unique", message, StringComparison.Ordinal);
        Assert.Contains("Calendars:Feeds:2:Name must be 1-64 letters, digits, '-' or '_'", message, StringComparison.Ordinal);
        Assert.Contains("Calendars:Feeds:2:Url must be an absolute https URL", message, StringComparison.Ordinal);
        Assert.Contains("Calendars:Feeds:3 must set exactly one of Url", message, StringComparison.Ordinal);
        Assert.Contains("Calendars:Feeds:4:UrlSecretName must be a Key Vault secret name", message, StringComparison.Ordinal);
        Assert.Contains("Calendars:Feeds:4:UrlSecretName needs KeyVault:VaultUri", message, StringComparison.Ordinal);
        Assert.Contains("Calendars:Feeds:5 must set exactly one of Url", message, StringComparison.Ordinal);
        Assert.Contains("Calendars:Feeds:6:Name must be 1-64", message, StringComparison.Ordinal);
        Assert.Contains("Calendars:Horizon must be between 01:00:00 and 31.00:00:00", message, StringComparison.Ordinal);
        Assert.Contains("Calendars:MaxBytes must be between 1024 (1 KiB) and 20971520 (20 MiB)", message, StringComparison.Ordinal);
        Assert.Contains("Calendars:FetchTimeout must be between", message, StringComparison.Ordinal);
        Assert.DoesNotContain("calendar.example.com", message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnresolvedKeyVaultReference_IsCalledOut()
    {
        var message = Failures(new()
        {
            ["Calendars:Feeds:0:Name"] = "team",
            ["Calendars:Feeds:0:Url"] = "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/team-url/)",
        });

        Assert.Equal(
            "Calendars:Feeds:0:Url holds an unresolved Key Vault reference (@Microsoft.KeyVault(...)): the Function App could not "
            + "read the secret. Check the reference and that the app's identity has the Key Vault Secrets User role.",
            message);
    }

    [Fact]
    public async Task BadSetting_StopsHostStartup()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Calendars:Feeds:0:Name"] = "team",
            ["Calendars:Feeds:0:Url"] = "http://calendar.example.com/team.ics",
        });
        builder.Services.AddCalendarFeeds();
        using var host = builder.Build();

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        var failures = ex is AggregateException aggregate ? aggregate.InnerExceptions : [ex];
        Assert.Contains("Calendars:Feeds:0:Url must be an absolute https URL", Assert.IsType<OptionsValidationException>(Assert.Single(failures)).Message, StringComparison.Ordinal);
    }
}
