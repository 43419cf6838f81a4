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

    /// <summary>The in-process emulator, when the dev host started one.</summary>
    public RunningEmulator? Emulator => App.Services.GetService<RunningEmulator>();

    /// <param name="args">Extra command-line settings; the listen URLs are always free loopback ports.</param>
    public static async Task<RunningDevHost> StartAsync(params string[] args)
    {
        var app = await DevHostApplication.BuildAsync(
            ["--urls=http://127.0.0.1:0", "--DevHost:EmulatorUrl=http://127.0.0.1:0", .. args]);
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
