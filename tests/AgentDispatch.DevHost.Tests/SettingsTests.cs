using System.Text.Json.Nodes;
using AgentDispatch.DevHost.Settings;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentDispatch.DevHost.Tests;

/// <summary>Settings come from local.settings.json, then the command line, as under func start.</summary>
[Collection(StorageCollection.Name)]
public sealed class SettingsTests : IDisposable
{
    private readonly DirectoryInfo _appRoot = Directory.CreateTempSubdirectory("devhost-settings-");
    private readonly StorageFixture _storage;

    public SettingsTests(StorageFixture storage)
    {
        _storage = storage;
        File.WriteAllText(Path.Combine(_appRoot.FullName, "host.json"), """{"version":"2.0","extensions":{"http":{"routePrefix":"fn"}}}""");
    }

    public void Dispose() => _appRoot.Delete(recursive: true);

    private void LocalSettingsValues(string values)
        => File.WriteAllText(Path.Combine(_appRoot.FullName, "local.settings.json"), """{"IsEncrypted":false,"Values":{""" + values + "}}");

    [Fact]
    public void ReadValues_DoubleUnderscoreNames_BecomeSections()
    {
        LocalSettingsValues(""" "VideoSdk__AuthToken":"t","KeyVault:VaultUri":"https://v/","Number":5 """);

        var values = LocalSettings.ReadValues(_appRoot.FullName);

        Assert.Equal("t", values["VideoSdk:AuthToken"]);
        Assert.Equal("https://v/", values["KeyVault:VaultUri"]);
        Assert.Equal("5", values["Number"]);
    }

    [Fact]
    public void ReadValues_NoFile_IsEmpty()
        => Assert.Empty(LocalSettings.ReadValues(_appRoot.FullName));

    [Fact]
    public void FindAppRoot_WalksUpToHostJson()
    {
        var nested = Directory.CreateDirectory(Path.Combine(_appRoot.FullName, "src", "project"));

        Assert.Equal(_appRoot.FullName, LocalSettings.FindAppRoot(nested.FullName));
    }

    [Fact]
    public async Task LocalSettings_AreUsed_AndTheCommandLineWins_AndHostJsonSetsTheRoutePrefix()
    {
        LocalSettingsValues(""" "VideoSdk__AuthToken":"from-local-settings","VideoSdk__MaxRetries":"1","VideoSdk__AttemptTimeout":"00:00:07" """);

        await using var host = await RunningDevHost.StartAsync(_storage, $"--DevHost:AppRoot={_appRoot.FullName}", "--VideoSdk:AttemptTimeout=00:00:03");
        using var response = await host.Client.PostAsync("fn/dispatch", new StringContent("""{"meetingId":"m","agentId":"a"}""", null, "application/json"));

        response.EnsureSuccessStatusCode();
        Assert.Equal("from-local-settings", Assert.Single(host.Emulator!.State.Dispatches).Authorization);
        var options = host.App.Services.GetRequiredService<IOptions<AgentDispatch.Configuration.VideoSdkOptions>>().Value;
        Assert.Equal(1, options.MaxRetries);
        Assert.Equal(TimeSpan.FromSeconds(3), options.AttemptTimeout);
    }

    [Fact]
    public async Task ConfiguredBaseUrlWithoutToken_FailsToStartNamingBothSettings()
    {
        var app = await DevHostApplication.BuildAsync(
            [.. RunningDevHost.BaseArgs(_storage), $"--DevHost:AppRoot={_appRoot.FullName}", "--VideoSdk:BaseUrl=http://127.0.0.1:9/"]);
        await using var _ = app;

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("KeyVault:VaultUri", ex.Message, StringComparison.Ordinal);
        Assert.Contains("VideoSdk:AuthToken", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmulatorStartedWithAVaultConfigured_KeepsTheVaultAsTheTokenSource()
    {
        await using var host = await RunningDevHost.StartAsync(_storage, $"--DevHost:AppRoot={_appRoot.FullName}", "--KeyVault:VaultUri=https://127.0.0.1:9/");

        var health = JsonNode.Parse(await host.Client.GetStringAsync("fn/health"))!;

        Assert.Equal(AgentDispatch.Auth.KeyVaultTokenSource.SourceKind, (string)health["tokenSource"]!);
    }
}
