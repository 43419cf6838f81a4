using AgentDispatch.Schedules;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Core.Tests.Schedules;

/// <summary>A schedule that could not run stops start-up, with a message naming the setting to fix.</summary>
public sealed class ScheduleValidationTests
{
    private static Dictionary<string, string?> Valid() => new()
    {
        ["Schedules:0:Name"] = "standup",
        ["Schedules:0:Cron"] = "0 9 * * 1-5",
        ["Schedules:0:TimeZone"] = "Europe/Berlin",
        ["Schedules:0:MeetingId"] = "abcd-efgh-ijkl",
        ["Schedules:0:AgentId"] = "agent-1",
    };

    private static Dictionary<string, string?> HostSettings(Dictionary<string, string?> schedules)
    {
        var settings = new Dictionary<string, string?>(schedules)
        {
            ["VideoSdk:AuthToken"] = "t",
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
        };
        return AgentDispatch.Configuration.TriggerSettings.WithDefaults(settings);
    }

    private static IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddAgentDispatchCore();
        builder.Services.AddSchedules();
        return builder.Build();
    }

    private static async Task<string> StartupFailure(Dictionary<string, string?> schedules)
    {
        using var host = BuildHost(HostSettings(schedules));

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        var failures = ex is AggregateException aggregate ? aggregate.InnerExceptions : [ex];
        return string.Join('\n', failures.SelectMany(f => Assert.IsType<OptionsValidationException>(f).Failures));
    }

    /// <summary>The validator alone, without a host: the first access to the options runs it.</summary>
    private static string Failures(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddSchedules();
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ScheduleOptions>>().Value);
        return string.Join('\n', ex.Failures);
    }

    private static Dictionary<string, string?> With(params (string Key, string? Value)[] changes)
    {
        var settings = Valid();
        foreach (var (key, value) in changes)
        {
            settings[key] = value;
        }

        return settings;
    }

    [Fact]
    public async Task HostStart_WithBadSchedules_NamesEverySetting()
    {
        var message = await StartupFailure(new()
        {
            ["Schedules:0:Name"] = "standup",
            ["Schedules:0:Cron"] = "0 25 * * 1-5",
            ["Schedules:0:MeetingId"] = "m",
            ["Schedules:0:AgentId"] = " ",
            ["Schedules:0:Metadata"] = """[{"name":"team"}]""",
            ["Schedules:1:Name"] = "retro",
            ["Schedules:1:Cron"] = "0 16 * * 5",
            ["Schedules:1:TimeZone"] = "Mars/Olympus_Mons",
            ["Schedules:1:MeetingId"] = "m",
            ["Schedules:1:AgentId"] = "a",
        });

        Assert.Contains("Schedules:0:Cron is not a valid cron expression: ", message, StringComparison.Ordinal);
        Assert.Contains("Hours", message, StringComparison.Ordinal);
        Assert.Contains("Schedules:0:AgentId must not be blank.", message, StringComparison.Ordinal);
        Assert.Contains("Schedules:0:Metadata must be a JSON object, not an array.", message, StringComparison.Ordinal);
        Assert.Contains("Schedules:1:TimeZone 'Mars/Olympus_Mons' is not a time zone this machine knows", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostStart_WithGoodSchedules_Starts()
    {
        using var host = BuildHost(HostSettings(With(
            ("Schedules:0:Metadata", """{"variables":[{"name":"team","value":"core"}]}"""),
            ("Schedules:0:VersionId", "v-1"),
            ("Schedules:0:Window", "00:15:00"),
            ("Schedules:1:Name", "nightly"),
            ("Schedules:1:Cron", "0 30 2 * * *"),
            ("Schedules:1:MeetingId", "m"),
            ("Schedules:1:AgentId", "a"))));

        await host.StartAsync();
        await host.StopAsync();
    }

    [Fact]
    public async Task HostStart_WithNoSchedules_Starts()
    {
        using var host = BuildHost(HostSettings([]));

        await host.StartAsync();
        Assert.Empty(host.Services.GetRequiredService<ScheduleRunner>().Schedules);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("Schedules:0:Cron", null, "Schedules:0:Cron is required")]
    [InlineData("Schedules:0:Cron", "0 9 * *", "Schedules:0:Cron is not a valid cron expression: it has 4 fields")]
    [InlineData("Schedules:0:Cron", "0 0 9 * * 1-5 2026", "Schedules:0:Cron is not a valid cron expression: it has 7 fields")]
    [InlineData("Schedules:0:Cron", "H 9 * * *", "Schedules:0:Cron is not a valid cron expression: 'H'")]
    [InlineData("Schedules:0:Cron", "@fortnightly", "Schedules:0:Cron is not a valid cron expression")]
    [InlineData("Schedules:0:TimeZone", "CEST", "Schedules:0:TimeZone 'CEST' is not a time zone")]
    [InlineData("Schedules:0:MeetingId", null, "Schedules:0:MeetingId is required.")]
    [InlineData("Schedules:0:AgentId", "", "Schedules:0:AgentId is required.")]
    [InlineData("Schedules:0:AgentId", " agent", "Schedules:0:AgentId must not start or end with white space.")]
    [InlineData("Schedules:0:VersionId", "v\u0001", "Schedules:0:VersionId must not contain control characters")]
    [InlineData("Schedules:0:Metadata", "{\"a\":", "Schedules:0:Metadata is not valid JSON")]
    [InlineData("Schedules:0:Metadata", "\"text\"", "Schedules:0:Metadata must be a JSON object, not a string.")]
    [InlineData("Schedules:0:Metadata", "{\"a\":1,\"a\":2}", "Schedules:0:Metadata is not valid JSON")]
    [InlineData("Schedules:0:Metadata:variables:0:name", "team", "Schedules:0:Metadata must be one JSON object written as a string")]
    [InlineData("Schedules:0:Window", "0", "Schedules:0:Window must be positive")]
    [InlineData("Schedules:0:Window", "-00:05:00", "Schedules:0:Window must be positive")]
    [InlineData("Schedules:0:Window", "2.00:00:00", "Schedules:0:Window must be positive and at most 1.00:00:00")]
    [InlineData("Schedules:0:Window", "ten minutes", "Schedules:0:Window must be a time span such as 00:15:00")]
    [InlineData("Schedules:0:Name", "daily standup", "Schedules:0:Name must be 1-64 letters, digits, '-' or '_'")]
    [InlineData("Schedules:0:Name", "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcde", "Schedules:0:Name must be 1-64")]
    [InlineData("Schedules:0:Agent", "agent-1", "Schedules:0:Agent is not a setting of a schedule; they are Name, Cron, TimeZone, MeetingId, AgentId, VersionId, Metadata, Window.")]
    [InlineData("Schedules:0:AgentId", "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/agent/)", "Schedules:0:AgentId holds an unresolved Key Vault reference")]
    [InlineData("Schedules:0:Cron", "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/cron/)", "Schedules:0:Cron holds an unresolved Key Vault reference")]
    [InlineData("Schedules:0", "0 9 * * *", "Schedules:0 must be a section of settings")]
    public void BadSetting_IsNamed(string key, string? value, string expected)
    {
        var settings = Valid();
        if (key == "Schedules:0")
        {
            settings = new() { [key] = value };
        }
        else
        {
            settings[key] = value;
        }

        Assert.Contains(expected, Failures(settings), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Name")]
    [InlineData("Cron")]
    [InlineData("TimeZone")]
    [InlineData("MeetingId")]
    [InlineData("Metadata")]
    public void AKeyVaultReference_IsReportedAsThatAlone(string setting)
    {
        var message = Failures(With(($"Schedules:0:{setting}", $"@Microsoft.KeyVault(VaultName=v;SecretName={setting})")));

        Assert.StartsWith($"Schedules:0:{setting} holds an unresolved Key Vault reference", message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", message, StringComparison.Ordinal);
    }

    [Fact]
    public void TooMuchMetadata_IsRefused()
    {
        var big = $$"""{"variables":[{"name":"notes","value":"{{new string('x', 17 * 1024)}}"}]}""";

        Assert.Contains("Schedules:0:Metadata must be at most 16384 bytes of JSON", Failures(With(("Schedules:0:Metadata", big))), StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateNames_AreRefusedWhateverTheirCase()
    {
        var message = Failures(With(
            ("Schedules:1:Name", "Standup"),
            ("Schedules:1:Cron", "0 10 * * *"),
            ("Schedules:1:MeetingId", "m"),
            ("Schedules:1:AgentId", "a")));

        Assert.Contains("Schedules:1:Name 'Standup' is also the name of Schedules:0: names must be unique", message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoName_DefaultsToTheEntryKey_WhichMustItselfBeAName()
    {
        var settings = Valid();
        settings.Remove("Schedules:0:Name");
        var unnamed = Assert.Single(ScheduleParserFor(settings));
        Assert.Equal("0", unnamed.Name);

        var message = Failures(new()
        {
            ["Schedules:team standup:Cron"] = "0 9 * * *",
            ["Schedules:team standup:MeetingId"] = "m",
            ["Schedules:team standup:AgentId"] = "a",
        });
        Assert.Contains("Schedules:team standup:Name must be 1-64 letters, digits, '-' or '_' (it is part of every job key); with no Name the entry's key 'team standup' is used.", message, StringComparison.Ordinal);
    }

    [Fact]
    public void SchedulesAsOneValue_IsRefused()
        => Assert.Contains("Schedules must be a list of schedules", Failures(new() { ["Schedules"] = "0 9 * * *" }), StringComparison.Ordinal);

    [Fact]
    public void EmptySchedules_AreNone()
        => Assert.Empty(ScheduleParserFor(new() { ["Schedules"] = "", ["Schedules:0"] = "" }));

    private static IReadOnlyList<Schedule> ScheduleParserFor(Dictionary<string, string?> settings)
    {
        var options = new ScheduleOptions();
        options.ReadFrom(new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(ScheduleOptions.Section));
        var failures = new List<string>();
        var schedules = ScheduleParser.Parse(options, failures);
        Assert.Empty(failures);
        return schedules;
    }
}
