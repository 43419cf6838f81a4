using AgentDispatch.DevHost.Functions;
using AgentDispatch.DevHost.Settings;
using AgentDispatch.Functions;
using AgentDispatch.VideoSdkEmulator;

namespace AgentDispatch.DevHost;

/// <summary>
/// Runs the Functions app on this machine without Azure Functions Core Tools: the same
/// <see cref="AgentDispatchApp.AddAgentDispatch"/> wiring and the same function classes, served by
/// Kestrel on <c>http://127.0.0.1:7071/api/...</c> like <c>func start</c>.
/// </summary>
public static partial class DevHostApplication
{
    public const string DefaultUrl = "http://127.0.0.1:7071";
    public const string DefaultEmulatorUrl = "http://127.0.0.1:7072";

    /// <summary>The token the dev host uses when it runs the emulator itself and no token is configured.</summary>
    public const string EmulatorToken = "local-dev-token";

    /// <param name="args">Command-line settings (<c>--VideoSdk:BaseUrl=...</c>, <c>--urls=...</c>).</param>
    /// <param name="configure">Lets tests and the benchmark add settings or services after the defaults.</param>
    public static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = args });
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging(logging => logging
            .AddConfiguration(builder.Configuration.GetSection("Logging"))
            .AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss ";
            }));

        // Built-in defaults < local.settings.json < environment < command line, as under func start.
        var bootstrap = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        var appRoot = bootstrap["DevHost:AppRoot"] ?? LocalSettings.FindAppRoot(Directory.GetCurrentDirectory());
        builder.Configuration.AddInMemoryCollection(BuiltInDefaults);
        builder.Configuration.AddInMemoryCollection(LocalSettings.ReadValues(appRoot));
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddCommandLine(args);
        configure?.Invoke(builder);

        var startup = new List<string>();
        if (string.IsNullOrWhiteSpace(builder.Configuration["VideoSdk:BaseUrl"]))
        {
            // Emulator:* settings (JobDuration, Latency, ApiKey/ApiSecret, ...) shape the in-process emulator too.
            var emulatorOptions = builder.Configuration.GetSection(EmulatorOptions.Section).Get<EmulatorOptions>() ?? new EmulatorOptions();
            var emulator = await VideoSdkEmulatorApp.StartAsync(
                emulatorOptions, builder.Configuration["DevHost:EmulatorUrl"] ?? DefaultEmulatorUrl, cancellationToken).ConfigureAwait(false);
            builder.Services.AddSingleton(emulator);
            builder.Services.AddHostedService<EmulatorLifetime>();
            var overrides = new Dictionary<string, string?> { ["VideoSdk:BaseUrl"] = emulator.BaseAddress.AbsoluteUri };
            var tokenConfigured = !string.IsNullOrWhiteSpace(builder.Configuration["VideoSdk:AuthToken"])
                                  || !string.IsNullOrWhiteSpace(builder.Configuration["KeyVault:VaultUri"]);
            if (!tokenConfigured)
            {
                overrides["VideoSdk:AuthToken"] = EmulatorToken;
            }

            builder.Configuration.AddInMemoryCollection(overrides);
            startup.Add(
                $"VideoSdk:BaseUrl is not set: started the VideoSDK emulator in-process at {emulator.BaseAddress} "
                + $"(dispatches go nowhere else; see {emulator.BaseAddress}_emulator/dispatches)"
                + (tokenConfigured ? "." : $" with the placeholder token '{EmulatorToken}'."));
        }
        else
        {
            startup.Add($"VideoSDK requests go to {builder.Configuration["VideoSdk:BaseUrl"]}.");
        }

        builder.AddAgentDispatch();

        var app = builder.Build();
        var hostJson = HostJson.Read(appRoot);
        var routes = HttpFunctionEndpoints.Discover(typeof(AgentDispatchApp).Assembly, hostJson.RoutePrefix);
        app.UseRouting();
        HttpFunctionEndpoints.Map(app, routes, app.Configuration["DevHost:FunctionKey"]);

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AgentDispatch.DevHost");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var line in startup)
            {
                Log.Startup(logger, line);
            }

            foreach (var url in app.Urls)
            {
                foreach (var route in routes)
                {
                    Log.Route(logger, route.Name, string.Join(",", route.Methods), url + route.Route, route.AuthLevel.ToString());
                }
            }
        });

        return app;
    }

    private static readonly Dictionary<string, string?> BuiltInDefaults = new()
    {
        ["urls"] = DefaultUrl,
        ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting"] = "Warning",
        ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
        ["Logging:LogLevel:Polly"] = "Warning",
    };

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Line}")]
        public static partial void Startup(ILogger logger, string line);

        [LoggerMessage(2, LogLevel.Information, "{Function}: {Methods} {Url} ({AuthLevel})")]
        public static partial void Route(ILogger logger, string function, string methods, string url, string authLevel);
    }

    /// <summary>Stops the in-process emulator when the dev host stops (Ctrl+C included).</summary>
    private sealed class EmulatorLifetime(RunningEmulator emulator) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken) => await emulator.DisposeAsync().ConfigureAwait(false);
    }
}
