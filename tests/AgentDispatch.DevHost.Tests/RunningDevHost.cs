using AgentDispatch.VideoSdkEmulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace AgentDispatch.DevHost.Tests;

/// <summary>A running dev host on a free loopback port, built by the same code as <c>dotnet run</c>.</summary>
public sealed class RunningDevHost : IAsyncDisposable
{
    private RunningDevHost(WebApplication app)
    {
        App = app;
        BaseAddress = new Uri(app.Urls.First() + "/");
        Client = new HttpClient { BaseAddress = BaseAddress };
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    /// <summary>Reads job <paramref name="id"/> until it is in one of <paramref name="states"/>, or <paramref name="deadline"/> has passed; returns it as last read.</summary>
    public async Task<System.Text.Json.Nodes.JsonNode> WaitForJobAsync(string id, TimeSpan deadline, params string[] states)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            var job = System.Text.Json.Nodes.JsonNode.Parse(await Client.GetStringAsync($"api/dispatches/{id}"))!;
            if (states.Contains((string?)job["state"]) || DateTime.UtcNow - started > deadline)
            {
                return job;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The in-process emulator, when the dev host started one.</summary>
    public RunningEmulator? Emulator => App.Services.GetService<RunningEmulator>();

    /// <summary>
    /// The settings every test dev host starts with: free loopback ports, and the shared Azurite's
    /// connection string, so no test dev host starts Azurite on 10000-10002.
    /// </summary>
    public static string[] BaseArgs(StorageFixture storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        return ["--urls=http://127.0.0.1:0", "--DevHost:EmulatorUrl=http://127.0.0.1:0", $"--AzureWebJobsStorage={storage.ConnectionString}"];
    }

    /// <param name="storage">The collection's Azurite, used as AzureWebJobsStorage.</param>
    /// <param name="args">Extra command-line settings; they win over the base ones.</param>
    public static Task<RunningDevHost> StartAsync(StorageFixture storage, params string[] args) => StartAsync(storage, null, args);

    /// <param name="configure">Services or settings added after the defaults (a stand-in Key Vault's client).</param>
    public static async Task<RunningDevHost> StartAsync(StorageFixture storage, Action<WebApplicationBuilder>? configure, params string[] args)
    {
        var app = await DevHostApplication.BuildAsync([.. BaseArgs(storage), .. args], configure);
        await app.StartAsync();
        return new RunningDevHost(app);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
