using System.Net;
using AgentDispatch.VideoSdkEmulator.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentDispatch.VideoSdkEmulator.Tests.Hosting;

public sealed class VideoSdkEmulatorAppTests
{
    [Fact]
    public async Task StartAsync_OnPortZero_ReportsTheBoundLoopbackPort()
    {
        await using var emulator = await VideoSdkEmulatorApp.StartAsync(new EmulatorOptions());

        Assert.Equal("127.0.0.1", emulator.BaseAddress.Host);
        Assert.NotEqual(0, emulator.BaseAddress.Port);
        Assert.EndsWith("/", emulator.BaseAddress.AbsoluteUri, StringComparison.Ordinal);
        Assert.Equal(new Uri(emulator.BaseAddress, "v2/agent/dispatch"), emulator.DispatchUri);
    }

    [Fact]
    public async Task StartAsync_TwoEmulators_KeepSeparateState()
    {
        await using var first = await EmulatorHarness.StartAsync();
        await using var second = await EmulatorHarness.StartAsync();

        await first.DispatchJsonAsync(EmulatorHarness.Body());

        Assert.NotEqual(first.Emulator.BaseAddress, second.Emulator.BaseAddress);
        Assert.Single(first.State.Dispatches);
        Assert.Empty(second.State.Dispatches);
    }

    [Fact]
    public async Task DisposeAsync_StopsListening()
    {
        var emulator = await VideoSdkEmulatorApp.StartAsync(new EmulatorOptions());
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };

        await emulator.DisposeAsync();
        await emulator.DisposeAsync();

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetAsync("_emulator/health"));
    }

    [Fact]
    public async Task Build_BindsTheEmulatorSectionFromTheCommandLine()
    {
        await using var app = VideoSdkEmulatorApp.Build(
        [
            "--urls", "http://127.0.0.1:0",
            "--Emulator:ApiKey=" + Tokens.ApiKey,
            "--Emulator:ApiSecret=" + Tokens.ApiSecret,
            "--Emulator:JobDuration=00:00:30",
            "--Emulator:RegisterDefaultWorker=false",
        ]);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First() + "/") };

        using var request = EmulatorHarness.DispatchRequest(EmulatorHarness.Body(), authorization: "unsigned");
        using var unsigned = await http.SendAsync(request);
        var state = app.Services.GetRequiredService<EmulatorState>();
        await app.StopAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(30), state.Options.JobDuration);
        Assert.Empty(state.Workers);
    }

    [Fact]
    public async Task Build_WithoutUrls_ListensOnTheDefaultAddress()
    {
        await using var app = VideoSdkEmulatorApp.Build([]);

        Assert.Equal(VideoSdkEmulatorApp.DefaultUrl, app.Configuration[WebHostDefaults.ServerUrlsKey]);
    }

    [Fact]
    public void Build_WithApiKeyButNoSecret_StopsWithAMessageNamingTheSetting()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => VideoSdkEmulatorApp.Build(["--Emulator:ApiKey=k"]));

        Assert.Contains("Emulator:ApiSecret", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short-secret", "Emulator:ApiSecret must be at least 32 bytes")]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://vault/secrets/x)", "unresolved Key Vault reference")]
    public void AddVideoSdkEmulator_WithUnusableSecret_Throws(string secret, string expected)
    {
        var options = new EmulatorOptions { ApiKey = "key", ApiSecret = secret };

        var ex = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddVideoSdkEmulator(options));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddVideoSdkEmulator_WithNegativeLatency_Throws()
    {
        var options = new EmulatorOptions { Latency = TimeSpan.FromSeconds(-1) };

        var ex = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddVideoSdkEmulator(options));

        Assert.Contains("Emulator:Latency", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapVideoSdkEmulator_InsideAnotherApp_ServesTheRoutes()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddVideoSdkEmulator(new EmulatorOptions());
        await using var app = builder.Build();
        app.MapGet("/own", () => "mine");
        app.MapVideoSdkEmulator();
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First() + "/") };

        var own = await http.GetStringAsync("own");
        var health = await http.GetStringAsync("_emulator/health");
        await app.StopAsync();

        Assert.Equal("mine", own);
        Assert.Equal("""{"status":"ok"}""", health);
    }

    [Fact]
    public void MapVideoSdkEmulator_WithoutAddVideoSdkEmulator_SaysWhatIsMissing()
    {
        using var app = WebApplication.CreateSlimBuilder().Build();

        var ex = Assert.Throws<InvalidOperationException>(() => app.MapVideoSdkEmulator());

        Assert.Contains("AddVideoSdkEmulator", ex.Message, StringComparison.Ordinal);
    }
}
