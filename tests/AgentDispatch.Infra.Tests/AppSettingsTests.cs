using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentDispatch.Configuration;
using AgentDispatch.Infra.Tests.Arm;
using AgentDispatch.Testing;

namespace AgentDispatch.Infra.Tests;

/// <summary>
/// The Function App's settings against what the app reads: <see cref="AppSettings.RequiredInAzure"/>
/// must all be there and <see cref="AppSettings.ForbiddenInAzure"/> never, and every setting shared
/// with <c>local.settings.sample.json</c> has the sample's value, so a setting added to the app or the
/// sample without being added to infra/ fails here.
/// </summary>
public sealed partial class AppSettingsTests
{
    /// <summary>
    /// Settings a Flex Consumption site carries as site properties rather than app settings (it
    /// refuses them as app settings): the name, and where the site keeps it.
    /// </summary>
    private static readonly Dictionary<string, string> SitePropertiesOnFlexConsumption = new(StringComparer.OrdinalIgnoreCase)
    {
        ["FUNCTIONS_WORKER_RUNTIME"] = "properties.functionAppConfig.runtime.name",
    };

    /// <summary>Sample settings that are meant to differ in Azure, and why.</summary>
    private static readonly Dictionary<string, string> LocalOnlySettings = new(StringComparer.OrdinalIgnoreCase)
    {
        // A connection string to Azurite locally; identity-based (AzureWebJobsStorage__*) in Azure.
        ["AzureWebJobsStorage"] = "connection string",
    };

    private readonly InfraDeployment _deployment = InfraDeployment.Default();

    public static TheoryData<string> RequiredInAzure => new(AppSettings.RequiredInAzure);

    public static TheoryData<string> ForbiddenInAzure => new(AppSettings.ForbiddenInAzure);

    public static TheoryData<string> SampleSettings => new(LocalSample().Select(s => s.Key));

    [Theory]
    [MemberData(nameof(RequiredInAzure))]
    public void EveryRequiredSetting_IsDeployed(string setting)
    {
        if (SitePropertiesOnFlexConsumption.TryGetValue(setting, out var siteProperty))
        {
            Assert.Equal(LocalSample()[setting], _deployment.FunctionApp.Get(siteProperty));
            Assert.False(_deployment.AppSettings.ContainsKey(setting), $"A Flex Consumption site refuses {setting} as an app setting: it is {siteProperty}.");
            return;
        }

        Assert.True(_deployment.AppSettings.TryGetValue(setting, out var value), $"The Function App does not get the setting {setting}: add it to infra/main.bicep.");
        Assert.False(value is string s && string.IsNullOrWhiteSpace(s), $"The setting {setting} is empty.");
    }

    [Theory]
    [MemberData(nameof(ForbiddenInAzure))]
    public void NoForbiddenSetting_IsDeployed(string setting)
        => Assert.DoesNotContain(setting, _deployment.AppSettings.Keys, StringComparer.OrdinalIgnoreCase);

    [Theory]
    [MemberData(nameof(ForbiddenInAzure))]
    public void NoForbiddenSetting_IsDeployed_EvenWhenGivenInExtraAppSettings(string setting)
    {
        // App setting names are case-insensitive in Azure: every spelling is dropped.
        foreach (var spelling in new[] { setting, setting.ToUpperInvariant(), setting.ToLowerInvariant() })
        {
            var settings = InfraDeployment.With("extraAppSettings", new ArmObject { [spelling] = "should-not-be-deployed" }).AppSettings;

            Assert.DoesNotContain(setting, settings.Keys, StringComparer.OrdinalIgnoreCase);
            Assert.DoesNotContain("should-not-be-deployed", settings.Values);
        }
    }

    [Theory]
    [MemberData(nameof(SampleSettings))]
    public void EverySampleSetting_IsDeployedWithTheSampleValue(string setting)
    {
        var sampleValue = LocalSample()[setting];
        if (AppSettings.ForbiddenInAzure.Contains(setting, StringComparer.OrdinalIgnoreCase))
        {
            Assert.DoesNotContain(setting, _deployment.AppSettings.Keys, StringComparer.OrdinalIgnoreCase);
        }
        else if (SitePropertiesOnFlexConsumption.TryGetValue(setting, out var siteProperty))
        {
            Assert.Equal(sampleValue, _deployment.FunctionApp.Get(siteProperty));
        }
        else if (!LocalOnlySettings.ContainsKey(setting))
        {
            Assert.True(_deployment.AppSettings.TryGetValue(setting, out var deployed), $"local.settings.sample.json has {setting} but the Function App does not get it: add it to infra/main.bicep.");
            Assert.Equal(sampleValue, deployed);
        }
    }

    [Fact]
    public void HostStorage_IsIdentityBasedWithTheUserAssignedIdentity()
    {
        var settings = _deployment.AppSettings;

        Assert.Equal(InfraDeployment.NameOf(_deployment.StorageAccount), settings["AzureWebJobsStorage__accountName"]);
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.Equal(_deployment.IdentityClientId, settings["AzureWebJobsStorage__clientId"]);
        Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public void NoSetting_HoldsAKeyOrAConnectionStringWithACredential()
        => Assert.All(_deployment.AppSettings, setting =>
        {
            var value = ArmValue.Render(setting.Value);
            Assert.DoesNotMatch(CredentialInValue(), value);
            Assert.False(setting.Key.Contains("AuthToken", StringComparison.OrdinalIgnoreCase), $"{setting.Key} looks like a token in plain settings.");
        });

    [Fact]
    public void KeyVault_IsTheDeployedVaultReadAsTheIdentity()
    {
        var settings = _deployment.AppSettings;

        Assert.Equal(InfraDeployment.RuntimeProperty(_deployment.KeyVault, "vaultUri"), settings["KeyVault__VaultUri"]);
        Assert.Equal(_deployment.IdentityClientId, settings["KeyVault__ManagedIdentityClientId"]);
    }

    [Fact]
    public void ApplicationInsights_IsWiredWithTheIdentity()
    {
        var settings = _deployment.AppSettings;

        Assert.Equal(InfraDeployment.RuntimeProperty(_deployment.ApplicationInsights, "ConnectionString"), settings["APPLICATIONINSIGHTS_CONNECTION_STRING"]);
        Assert.Equal(
            new RuntimeValue($"ClientId={ArmValue.Text(_deployment.IdentityClientId)};Authorization=AAD"),
            settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
    }

    [Fact]
    public void TokenMode_Token_NamesTheTokenSecretOnly()
    {
        var settings = _deployment.AppSettings;

        Assert.Equal("videosdk-auth-token", settings["VideoSdk__TokenSecretName"]);
        Assert.False(settings.ContainsKey("VideoSdk__ApiKeySecretName"));
        Assert.False(settings.ContainsKey("VideoSdk__ApiSecretSecretName"));
    }

    [Fact]
    public void TokenMode_ApiKey_NamesTheKeyAndSecretSecrets()
    {
        var settings = InfraDeployment.With("videoSdkTokenMode", "apiKey").AppSettings;

        Assert.Equal("videosdk-api-key", settings["VideoSdk__ApiKeySecretName"]);
        Assert.Equal("videosdk-api-secret", settings["VideoSdk__ApiSecretSecretName"]);
    }

    [Theory]
    [InlineData("Webhooks__Calendly__SecretName", "calendly-signing-key")]
    [InlineData("Webhooks__CalCom__SecretName", "calcom-webhook-secret")]
    [InlineData("Webhooks__Standard__SecretName", "standard-webhook-secret")]
    [InlineData("CALENDAR_POLL_SCHEDULE", "0 */5 * * * *")]
    [InlineData("SCHEDULES_POLL_SCHEDULE", "0 * * * * *")]
    [InlineData("MICROSOFT365_QUEUE", "agent-dispatch-microsoft365")]
    [InlineData("MICROSOFT365_SCHEDULE", "0 */5 * * * *")]
    [InlineData("Microsoft365__StateTable", "AgentDispatchMailboxes")]
    public void EventSourceSetting_IsDeployedWithItsDefault(string setting, string value)
        => Assert.Equal(value, _deployment.AppSettings[setting]);

    [Fact]
    public void ExtraAppSettings_AreAddedAndMayOverrideAppDefaults()
    {
        var settings = InfraDeployment.With("extraAppSettings", new ArmObject
        {
            ["Schedules__0__Cron"] = "0 0 9 * * 1-5",
            ["Routing__Rules__0__AgentId"] = "MyAgent",
            ["Jobs__UnknownOutcome"] = "Retry",
        }).AppSettings;

        Assert.Equal("0 0 9 * * 1-5", settings["Schedules__0__Cron"]);
        Assert.Equal("MyAgent", settings["Routing__Rules__0__AgentId"]);
        Assert.Equal("Retry", settings["Jobs__UnknownOutcome"]);
    }

    [Theory]
    [InlineData("AzureWebJobsStorage__accountName")]
    [InlineData("AzureWebJobsStorage__credential")]
    [InlineData("AzureWebJobsStorage__clientId")]
    [InlineData("KeyVault__VaultUri")]
    [InlineData("KeyVault__ManagedIdentityClientId")]
    [InlineData("APPLICATIONINSIGHTS_CONNECTION_STRING")]
    [InlineData("APPLICATIONINSIGHTS_AUTHENTICATION_STRING")]
    public void ExtraAppSettings_NeverOverrideTheIdentityStorageVaultOrMonitoringSettings(string setting)
    {
        var expected = _deployment.AppSettings[setting];

        var settings = InfraDeployment.With("extraAppSettings", new ArmObject { [setting] = "overridden" }).AppSettings;

        Assert.Equal(expected, settings[setting]);
    }

    [Fact]
    public void EverySettingATriggerNames_IsDeployed()
    {
        var functions = Path.Combine(RepositoryFiles.Root, "src", "AgentDispatch.Functions");
        var named = Directory.EnumerateFiles(functions, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .SelectMany(f => SettingInBindingExpression().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .Distinct(StringComparer.Ordinal)
            .ToList();

        Assert.Contains("DISPATCH_REQUESTS_QUEUE", named);
        Assert.All(named, setting => Assert.True(_deployment.AppSettings.ContainsKey(setting), $"A trigger reads %{setting}% but the Function App does not get that setting."));
    }

    /// <summary>local.settings.sample.json's Values, names as Azure spells them (<c>Section__Name</c>).</summary>
    private static Dictionary<string, string> LocalSample()
    {
        var sample = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryFiles.Root, "local.settings.sample.json")))!["Values"]!.AsObject();
        return sample.ToDictionary(p => p.Key.Replace(":", "__", StringComparison.Ordinal), p => (string)p.Value!, StringComparer.OrdinalIgnoreCase);
    }

    [GeneratedRegex("\"%([A-Za-z0-9_]+)%\"")]
    private static partial Regex SettingInBindingExpression();

    [GeneratedRegex("(?i)(AccountKey=|SharedAccessSignature=|sig=|InstrumentationKey=|Password=|whsec_|eyJ)")]
    private static partial Regex CredentialInValue();

    [Fact]
    public void Microsoft365NotificationUrl_IsTheAppsOwnWebhookRoute_UnlessGiven()
    {
        var url = Assert.IsType<string>(_deployment.AppSettings["Microsoft365__NotificationUrl"]);
        var given = InfraDeployment.With("microsoft365NotificationUrl", "https://agents.example.com/api/webhooks/microsoft365").AppSettings["Microsoft365__NotificationUrl"];

        Assert.StartsWith("https://", url, StringComparison.Ordinal);
        Assert.EndsWith(".azurewebsites.net/api/webhooks/microsoft365", url, StringComparison.Ordinal);
        Assert.Equal("https://agents.example.com/api/webhooks/microsoft365", given);
    }
}
