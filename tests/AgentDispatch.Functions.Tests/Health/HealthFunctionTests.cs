using System.Text.Json.Nodes;
using AgentDispatch.Functions.Health;
using AgentDispatch.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentDispatch.Functions.Tests.Health;

public sealed class HealthFunctionTests
{
    [Fact]
    public async Task Health_PlainSetting_NamesTheSourceButNeverTheToken()
    {
        using var host = new FunctionsTestHost(new Dictionary<string, string?>
        {
            ["VideoSdk:AuthToken"] = "health-secret-token",
        });
        var request = host.Request(null, null, "GET");

        var response = await FunctionsTestHost.ExecuteAsync(host.Create<HealthFunction>().Health(request), request);

        Assert.Equal(200, response.Status);
        var health = JsonNode.Parse(response.Body)!;
        Assert.Equal("ok", (string)health["status"]!);
        Assert.Equal("app-setting", (string)health["tokenSource"]!);
        Assert.Equal("https://api.videosdk.live/", (string)health["videoSdkBaseUrl"]!);
        Assert.DoesNotContain("health-secret-token", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_KeyVault_SaysSoWithoutNamingTheVaultOrReadingIt()
    {
        await using var vault = await KeyVaultStandIn.StartAsync();
        vault.SetSecret("my-token", "vault-secret-token");
        using var host = new FunctionsTestHost(
            new Dictionary<string, string?>
            {
                ["KeyVault:VaultUri"] = vault.VaultUri.AbsoluteUri,
                ["VideoSdk:TokenSecretName"] = "my-token",
            },
            services => services.AddSingleton(vault.CreateSecretClient()));
        var request = host.Request(null, null, "GET");

        var response = await FunctionsTestHost.ExecuteAsync(host.Create<HealthFunction>().Health(request), request);

        Assert.Equal("key-vault-secret", (string)JsonNode.Parse(response.Body)!["tokenSource"]!);
        Assert.DoesNotContain("my-token", response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(vault.VaultUri.Authority, response.Body, StringComparison.Ordinal);
        Assert.Equal(0, vault.TotalReads);
    }
}
