using System.Globalization;
using System.Runtime.InteropServices;
using AgentDispatch.Auth;
using AgentDispatch.DevHost;
using AgentDispatch.Dispatch;
using AgentDispatch.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentDispatch.Benchmarks;

/// <summary>
/// Issue 2's figures, measured in one run so the ratios hold on a noisy machine:
/// pass-through dispatches per second against the same requests sent straight to the emulator,
/// Key Vault reads per 10,000 dispatches, and bytes allocated per dispatch in the client path.
/// </summary>
public static class DispatchBenchmark
{
    private const string Token = "benchmark-token";
    private const string Body = """{"meetingId":"abcd-efgh-ijkl","agentId":"bench-agent","metadata":{"variables":[{"name":"fname","value":"ankit"}]}}""";

    public static async Task<int> RunAsync(BenchmarkSettings settings)
    {
        var report = new List<string>
        {
            "# AgentDispatch benchmark: dispatch pass-through",
            "",
            $"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription.Trim()}, .NET {Environment.Version}, "
                + $"{(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC; {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC",
            $"Load: {settings.Concurrency} concurrent clients on loopback, {settings.Duration.TotalSeconds:F0} s a run, each mode run twice alternately.",
            "",
            "| figure | direct to emulator | through POST /api/dispatch | ratio | target |",
            "|---|---|---|---|---|",
        };

        foreach (var latency in new[] { TimeSpan.Zero, settings.UpstreamLatency })
        {
            await using var emulator = await EmulatorProcess.StartAsync(latency);
            await using var devHost = await StartDevHostAsync(emulator.BaseAddress);
            var direct = new Uri(emulator.BaseAddress, "v2/agent/dispatch");
            var ours = new Uri(devHost.Urls.First() + "/api/dispatch");

            // Warm both paths (JIT, connection pools), then alternate to spread drift over both.
            await LoadGenerator.RunAsync(direct, Body, settings.Concurrency, TimeSpan.FromSeconds(2), Token);
            await LoadGenerator.RunAsync(ours, Body, settings.Concurrency, TimeSpan.FromSeconds(2));
            var runs = new List<(LoadResult Direct, LoadResult Ours)>();
            for (var i = 0; i < 2; i++)
            {
                var d = await LoadGenerator.RunAsync(direct, Body, settings.Concurrency, settings.Duration, Token);
                var o = await LoadGenerator.RunAsync(ours, Body, settings.Concurrency, settings.Duration);
                runs.Add((d, o));
            }

            var directRate = runs.Average(r => r.Direct.PerSecond);
            var oursRate = runs.Average(r => r.Ours.PerSecond);
            var failures = runs.Sum(r => r.Direct.Failures + r.Ours.Failures);
            var label = latency == TimeSpan.Zero ? "upstream answers at once (CPU-bound)" : $"upstream answers in {latency.TotalMilliseconds:F0} ms";
            report.Add($"| dispatches/s, {label} | {directRate:F0} | {oursRate:F0} | {oursRate / directRate:F2} | {(latency == TimeSpan.Zero ? "(reported)" : "≥ 0.80")} |");
            report.Add($"| p50 / p99 latency ms, {label} | {runs.Average(r => r.Direct.P50Ms):F2} / {runs.Average(r => r.Direct.P99Ms):F2} | {runs.Average(r => r.Ours.P50Ms):F2} / {runs.Average(r => r.Ours.P99Ms):F2} | | |");
            if (failures > 0)
            {
                report.Add($"| non-200 answers, {label} | {failures} | | | 0 |");
            }
        }

        var (tokenReads, mintReads) = await KeyVaultReadsAsync(settings.KeyVaultDispatches);
        report.Add($"| Key Vault reads per {settings.KeyVaultDispatches:N0} dispatches, token secret | | {tokenReads} | | 1 |");
        report.Add($"| Key Vault reads per {settings.KeyVaultDispatches:N0} dispatches, minted from key + secret | | {mintReads} | | 2 (one per secret) |");

        var allocated = await AllocationsPerDispatchAsync(settings.AllocationDispatches);
        report.Add($"| bytes allocated per dispatch, client path (VideoSdkClient + resilience handler + HttpClient) | | {allocated:N0} | | (reported) |");

        foreach (var line in report)
        {
            Console.WriteLine(line);
        }

        return 0;
    }

    private static async Task<WebApplication> StartDevHostAsync(Uri emulator)
    {
        var app = await DevHostApplication.BuildAsync(
        [
            "--urls=http://127.0.0.1:0",
            $"--VideoSdk:BaseUrl={emulator}",
            $"--VideoSdk:AuthToken={Token}",
            // Per-dispatch Information lines to a console would measure the console, not the app.
            "--Logging:LogLevel:Default=Warning",
        ]);
        await app.StartAsync();
        return app;
    }

    /// <summary>Dispatches through the real client with the token in the Key Vault stand-in, counting vault reads.</summary>
    private static async Task<(int TokenReads, int MintReads)> KeyVaultReadsAsync(int dispatches)
    {
        await using var emulator = await EmulatorProcess.StartAsync(TimeSpan.Zero);
        await using var vault = await KeyVaultStandIn.StartAsync();
        vault.SetSecret("videosdk-auth-token", Token);
        vault.SetSecret("videosdk-api-key", "bench-key");
        vault.SetSecret("videosdk-api-secret", "bench-secret-0123456789abcdef0123456789abcdef");

        async Task<int> Run(bool mint)
        {
            vault.ResetCounts();
            var settings = new Dictionary<string, string?>
            {
                ["VideoSdk:BaseUrl"] = emulator.BaseAddress.AbsoluteUri,
                ["KeyVault:VaultUri"] = vault.VaultUri.AbsoluteUri,
            };
            if (mint)
            {
                settings["VideoSdk:ApiKeySecretName"] = "videosdk-api-key";
                settings["VideoSdk:ApiSecretSecretName"] = "videosdk-api-secret";
            }

            await using var services = ClientServices(settings, s => s.AddSingleton(vault.CreateSecretClient()));
            var client = services.GetRequiredService<IVideoSdkClient>();
            await Parallel.ForEachAsync(Enumerable.Range(0, dispatches), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            {
                var outcome = await client.DispatchAsync(new DispatchRequest($"m-{i}", "bench-agent"), ct);
                if (outcome.Kind != DispatchOutcomeKind.Assigned)
                {
                    throw new InvalidOperationException($"Dispatch {i}: {outcome.Kind} {outcome.Message}");
                }
            });
            return vault.TotalReads;
        }

        return (await Run(mint: false), await Run(mint: true));
    }

    /// <summary>Allocated bytes per sequential dispatch in this process; the emulator runs in its own.</summary>
    private static async Task<long> AllocationsPerDispatchAsync(int dispatches)
    {
        await using var emulator = await EmulatorProcess.StartAsync(TimeSpan.Zero);
        await using var services = ClientServices(new Dictionary<string, string?>
        {
            ["VideoSdk:BaseUrl"] = emulator.BaseAddress.AbsoluteUri,
            ["VideoSdk:AuthToken"] = Token,
        });
        var client = services.GetRequiredService<IVideoSdkClient>();
        var request = new DispatchRequest("abcd-efgh-ijkl", "bench-agent");
        for (var i = 0; i < 200; i++)
        {
            await client.DispatchAsync(request, CancellationToken.None);
        }

        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < dispatches; i++)
        {
            await client.DispatchAsync(request, CancellationToken.None);
        }

        return (GC.GetTotalAllocatedBytes(precise: true) - before) / dispatches;
    }

    private static ServiceProvider ClientServices(Dictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        configure?.Invoke(services);
        services.AddAgentDispatchCore();
        return services.BuildServiceProvider();
    }
}
