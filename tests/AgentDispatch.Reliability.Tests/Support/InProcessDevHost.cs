using AgentDispatch.DevHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentDispatch.Reliability.Tests.Support;

/// <summary>
/// The dev host in this process, built by the same code as <c>dotnet run</c>, on a free loopback port,
/// logging into <see cref="CapturedLogs"/> instead of the console.
/// </summary>
public sealed class InProcessDevHost : IAsyncDisposable
{
    private InProcessDevHost(WebApplication app, CapturedLogs logs)
    {
        App = app;
        Logs = logs;
    }

    public WebApplication App { get; }

    public CapturedLogs Logs { get; }

    /// <param name="storageConnectionString">AzureWebJobsStorage: a test Azurite, never 10000-10002.</param>
    /// <param name="settings">Command-line settings; they win over the base ones.</param>
    public static async Task<InProcessDevHost> StartAsync(string storageConnectionString, params string[] settings)
    {
        var logs = new CapturedLogs();
        var app = await DevHostApplication.BuildAsync(
            [
                "--urls=http://127.0.0.1:0",
                "--DevHost:EmulatorUrl=http://127.0.0.1:0",
                $"--AzureWebJobsStorage={storageConnectionString}",
                "--Logging:LogLevel:Default=Warning",
                .. settings,
            ],
            builder =>
            {
                builder.Logging.ClearProviders();
                builder.Services.AddSingleton<ILoggerProvider>(logs);
            });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new InProcessDevHost(app, logs);
    }

    public async ValueTask DisposeAsync()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await App.StopAsync(limit.Token);
        }
        finally
        {
            await App.DisposeAsync();
        }
    }
}
