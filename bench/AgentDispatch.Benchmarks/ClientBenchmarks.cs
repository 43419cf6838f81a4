using AgentDispatch.Dispatch;
using AgentDispatch.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentDispatch.Benchmarks;

/// <summary>The client path alone: Key Vault reads per dispatch, and bytes allocated per dispatch.</summary>
public static class ClientBenchmarks
{
    /// <summary>Dispatches through the real client with the token in the Key Vault stand-in, counting vault reads.</summary>
    public static async Task KeyVaultReadsAsync(BenchmarkSettings settings, Report report)
    {
        Console.WriteLine("Key Vault reads ...");
        await using var emulator = await EmulatorProcess.StartAsync(TimeSpan.Zero);
        await using var vault = await KeyVaultStandIn.StartAsync();
        vault.SetSecret("videosdk-auth-token", BenchmarkRig.Token);
        vault.SetSecret("videosdk-api-key", "bench-key");
        vault.SetSecret("videosdk-api-secret", "bench-secret-0123456789abcdef0123456789abcdef");

        async Task<int> Run(bool mint)
        {
            vault.ResetCounts();
            var config = new Dictionary<string, string?>
            {
                ["VideoSdk:BaseUrl"] = emulator.BaseAddress.AbsoluteUri,
                ["KeyVault:VaultUri"] = vault.VaultUri.AbsoluteUri,
            };
            if (mint)
            {
                config["VideoSdk:ApiKeySecretName"] = "videosdk-api-key";
                config["VideoSdk:ApiSecretSecretName"] = "videosdk-api-secret";
            }

            await using var services = ClientServices(config, s => s.AddSingleton(vault.CreateSecretClient()));
            var client = services.GetRequiredService<IVideoSdkClient>();
            await Parallel.ForEachAsync(Enumerable.Range(0, settings.KeyVaultDispatches), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            {
                var outcome = await client.DispatchAsync(new DispatchRequest($"m-{i}", "bench-agent"), ct);
                if (outcome.Kind != DispatchOutcomeKind.Assigned)
                {
                    throw new InvalidOperationException($"Dispatch {i}: {outcome.Kind} {outcome.Message}");
                }
            });
            return vault.TotalReads;
        }

        report.Row($"Key Vault reads per {settings.KeyVaultDispatches:N0} dispatches, token secret", "", Report.N(await Run(mint: false)), "", "1");
        report.Row($"Key Vault reads per {settings.KeyVaultDispatches:N0} dispatches, minted from key + secret", "", Report.N(await Run(mint: true)), "", "2 (one per secret)");
    }

    /// <summary>Allocated bytes per sequential dispatch in this process; the emulator runs in its own.</summary>
    public static async Task AllocationsAsync(BenchmarkSettings settings, Report report)
    {
        Console.WriteLine("Allocations per dispatch ...");
        await using var emulator = await EmulatorProcess.StartAsync(TimeSpan.Zero);
        await using var services = ClientServices(new Dictionary<string, string?>
        {
            ["VideoSdk:BaseUrl"] = emulator.BaseAddress.AbsoluteUri,
            ["VideoSdk:AuthToken"] = BenchmarkRig.Token,
        });
        var client = services.GetRequiredService<IVideoSdkClient>();
        var request = new DispatchRequest("abcd-efgh-ijkl", "bench-agent");
        for (var i = 0; i < 200; i++)
        {
            await client.DispatchAsync(request, CancellationToken.None);
        }

        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < settings.AllocationDispatches; i++)
        {
            await client.DispatchAsync(request, CancellationToken.None);
        }

        var perDispatch = (GC.GetTotalAllocatedBytes(precise: true) - before) / settings.AllocationDispatches;
        report.Row("bytes allocated per dispatch, client path (VideoSdkClient + resilience handler + HttpClient)", "", Report.N(perDispatch, "N0"), "", "(reported)");
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
