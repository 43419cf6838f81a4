using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Core.Tests.Configuration;

/// <summary>A bad or missing setting stops start-up with a message naming it.</summary>
public sealed class StartupValidationTests
{
    private static async Task<string> StartupFailure(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddAgentDispatchCore();
        using var host = builder.Build();

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        var failures = ex is AggregateException aggregate ? aggregate.InnerExceptions : [ex];
        return string.Join('\n', failures.SelectMany(f => Assert.IsType<OptionsValidationException>(f).Failures));
    }

    private static async Task StartsCleanly(Dictionary<string, string?> settings)
    {
        AgentDispatch.Configuration.TriggerSettings.WithDefaults(settings);

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddAgentDispatchCore();
        using var host = builder.Build();
        await host.StartAsync();
        await host.StopAsync();
    }

    [Fact]
    public async Task NoTokenSource_NamesBothSettings()
    {
        var message = await StartupFailure([]);

        Assert.Contains("KeyVault:VaultUri", message, StringComparison.Ordinal);
        Assert.Contains("VideoSdk:AuthToken", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Microsoft365Settings_AreCheckedByName_WithTheMessagesTheCalendarsApiGives()
    {
        var message = await StartupFailure(new()
        {
            ["VideoSdk:AuthToken"] = "token",
            ["Microsoft365:Mailboxes:0:Name"] = "board room",
            ["Microsoft365:Mailboxes:0:Mailbox"] = "not a mailbox",
            ["Microsoft365:NotificationUrl"] = "https://agents.example.com/api/webhooks/microsoft365?code=abc",
        });

        Assert.Contains("Microsoft365:Mailboxes:0:Name must be 1-64 letters, digits, '-' or '_'", message, StringComparison.Ordinal);
        Assert.Contains("Microsoft365:Mailboxes:0:Mailbox must be the mailbox's user principal name (name@domain) or object id (a GUID).", message, StringComparison.Ordinal);
        Assert.Contains("Microsoft365:NotificationUrl must be the absolute https URL of /api/webhooks/microsoft365, with no query or fragment", message, StringComparison.Ordinal);
        Assert.DoesNotContain("code=abc", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnresolvedKeyVaultReference_IsCalledOut()
    {
        var message = await StartupFailure(new() { ["VideoSdk:AuthToken"] = "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/t/)" });

        Assert.Contains("VideoSdk:AuthToken holds an unresolved Key Vault reference", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HalfOfMintMode_NamesTheMissingSetting()
    {
        var message = await StartupFailure(new()
        {
            ["KeyVault:VaultUri"] = "https://v.vault.azure.net/",
            ["VideoSdk:ApiKeySecretName"] = "key",
        });

        Assert.Contains("VideoSdk:ApiSecretSecretName is required", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("KeyVault:VaultUri", "http://v.vault.azure.net/", "KeyVault:VaultUri must be an absolute https URL")]
    [InlineData("VideoSdk:TokenLifetime", "02:00:00", "VideoSdk:TokenLifetime must be between")]
    [InlineData("VideoSdk:MaxRetries", "9", "VideoSdk:MaxRetries must be between 0 and 5")]
    [InlineData("VideoSdk:BaseUrl", "ftp://example.com/", "VideoSdk:BaseUrl must be an absolute http(s) URL")]
    [InlineData("VideoSdk:BaseUrl", "http://api.videosdk.live/", "VideoSdk:BaseUrl must use https")]
    [InlineData("VideoSdk:TotalTimeout", "00:00:20", "VideoSdk:TotalTimeout (00:00:20) must be at least")]
    [InlineData("VideoSdk:AuthToken", "two words", "VideoSdk:AuthToken has characters that cannot go in an HTTP header")]
    public async Task BadValue_NamesTheSetting(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?> { ["VideoSdk:AuthToken"] = "t", ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" };
        settings[key] = value;
        var message = await StartupFailure(settings);

        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainToken_Starts()
        => await StartsCleanly(new() { ["VideoSdk:AuthToken"] = "t", ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" });

    [Fact]
    public async Task VaultOnly_StartsWithoutContactingIt()
        => await StartsCleanly(new() { ["KeyVault:VaultUri"] = "https://127.0.0.1:1/", ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" });

    [Fact]
    public async Task LoopbackHttpBaseUrl_IsAllowedForALocalEmulator()
        => await StartsCleanly(new() { ["VideoSdk:AuthToken"] = "t", ["VideoSdk:BaseUrl"] = "http://127.0.0.1:7072/", ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" });

    [Fact]
    public async Task NoTriggerSettings_NamesThem()
    {
        var message = await StartupFailure(new() { ["VideoSdk:AuthToken"] = "t", ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" });

        Assert.Contains("DISPATCH_REQUESTS_QUEUE, DISPATCH_WAKE_QUEUE, DISPATCH_NOTIFICATIONS_QUEUE, DISPATCH_SWEEP_SCHEDULE, LEDGER_MAINTENANCE_SCHEDULE, SCHEDULES_POLL_SCHEDULE, CALENDAR_POLL_SCHEDULE, MICROSOFT365_QUEUE, MICROSOFT365_SCHEDULE must all be set", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoStorage_NamesAzureWebJobsStorage()
        => Assert.Contains("AzureWebJobsStorage is not set", await StartupFailure(new() { ["VideoSdk:AuthToken"] = "t" }), StringComparison.Ordinal);
}
