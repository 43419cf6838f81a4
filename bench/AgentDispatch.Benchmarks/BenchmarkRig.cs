using AgentDispatch.DevHost;
using AgentDispatch.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace AgentDispatch.Benchmarks;

/// <summary>
/// What every section shares: one Azurite on free loopback ports (never the developer's
/// 10000-10002) and a way to start a dev host wired to it and to a given upstream.
/// </summary>
public sealed class BenchmarkRig : IAsyncDisposable
{
    public const string Token = "benchmark-token";

    private BenchmarkRig(AzuriteFixture azurite) => Azurite = azurite;

    public AzuriteFixture Azurite { get; }

    public static async Task<BenchmarkRig> StartAsync()
    {
        // AzuriteProcess starts it on 127.0.0.1 with --disableTelemetry, always (asserted in AzuriteProcessTests).
        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        return new BenchmarkRig(azurite);
    }

    /// <summary>A dev host exactly as <c>dotnet run</c> builds it, with these settings on top.</summary>
    public Task<WebApplication> StartDevHostAsync(Uri videoSdk, params string[] settings) => StartDevHostAsync(videoSdk, null, settings);

    /// <param name="map">Maps extra endpoints on the built app before it starts: a baseline served by the same host.</param>
    public Task<WebApplication> StartDevHostAsync(Uri videoSdk, Action<WebApplication>? map, params string[] settings) => StartDevHostAsync(videoSdk, null, map, settings);

    /// <param name="configureServices">
    /// Adds services before the app's own: the app registers its defaults with <c>TryAdd</c>, so one
    /// registered here (storage clients that count their requests) is the one it uses.
    /// </param>
    /// <param name="map">Maps extra endpoints on the built app before it starts: a baseline served by the same host.</param>
    public async Task<WebApplication> StartDevHostAsync(Uri videoSdk, Action<IServiceCollection>? configureServices, Action<WebApplication>? map, params string[] settings)
    {
        var app = await DevHostApplication.BuildAsync(
        [
            "--urls=http://127.0.0.1:0",
            $"--AzureWebJobsStorage={Azurite.ConnectionString}",
            $"--VideoSdk:BaseUrl={videoSdk}",
            $"--VideoSdk:AuthToken={Token}",
            // Per-dispatch Information lines to a console would measure the console, not the app.
            "--Logging:LogLevel:Default=Warning",
            $"--DISPATCH_REQUESTS_QUEUE={AzuriteFixture.UniqueName("requests")}",
            $"--DISPATCH_WAKE_QUEUE={AzuriteFixture.UniqueName("wake")}",
            $"--Jobs:LedgerTable={AzuriteFixture.UniqueName("ledger")}",
            // The other sections measure dispatching alone, as before join confirmation existed; the
            // confirmation section sets its mode on top (a later value wins).
            "--Confirmation:Mode=Off",
            .. settings,
        ],
        configureServices is null ? null : builder => configureServices(builder.Services));
        map?.Invoke(app);
        await app.StartAsync();
        return app;
    }

    public ValueTask DisposeAsync() => Azurite.DisposeAsync();
}
