using System.Globalization;
using AgentDispatch.Azurite;
using AgentDispatch.Configuration;
using AgentDispatch.DevHost.Functions;
using AgentDispatch.DevHost.Settings;
using AgentDispatch.DevHost.Storage;
using AgentDispatch.Functions;
using AgentDispatch.Functions.Telemetry;
using OpenTelemetry.Trace;
using AgentDispatch.VideoSdkEmulator;
using AgentDispatch.GraphEmulator;
using AgentDispatch.Microsoft365;

namespace AgentDispatch.DevHost;

/// <summary>
/// Runs the Functions app on this machine without Azure Functions Core Tools: the same
/// <see cref="AgentDispatchApp.AddAgentDispatch"/> wiring and the same function classes, served by
/// Kestrel on <c>http://127.0.0.1:7071/api/...</c> like <c>func start</c>, with queue- and
/// timer-triggered functions run by hosted services and, for <c>UseDevelopmentStorage=true</c>, the
/// repository's Azurite started on 127.0.0.1:10000-10002 when nothing listens there.
/// </summary>
public static partial class DevHostApplication
{
    public const string DefaultUrl = "http://127.0.0.1:7071";
    public const string DefaultEmulatorUrl = "http://127.0.0.1:7072";
    public const string DefaultGraphEmulatorUrl = "http://127.0.0.1:7073";

    /// <summary>The token the dev host uses when it runs the emulator itself and no token is configured.</summary>
    public const string EmulatorToken = "local-dev-token";

    /// <param name="args">Command-line settings (<c>--VideoSdk:BaseUrl=...</c>, <c>--urls=...</c>).</param>
    /// <param name="configure">Lets tests and the benchmark add settings or services after the defaults.</param>
    public static Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
        => BuildAsync(args, typeof(AgentDispatchApp).Assembly.GetTypes(), configure, cancellationToken);

    /// <param name="functionTypes">Where the functions (and any worker middleware) are looked for: the Functions app's types, or a test's.</param>
    internal static async Task<WebApplication> BuildAsync(
        string[] args, IReadOnlyCollection<Type> functionTypes, Action<WebApplicationBuilder>? configure, CancellationToken cancellationToken)
    {
        // First, before anything is started: a function using what the dev host does not emulate
        // stops it here, with every such function and what it uses named.
        var functions = FunctionIndex.Discover(functionTypes);
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
        EmulatorOptions? webhooksToApp = null;
        if (string.IsNullOrWhiteSpace(builder.Configuration["VideoSdk:BaseUrl"]))
        {
            // Emulator:* settings (JobDuration, Latency, ApiKey/ApiSecret, ...) shape the in-process emulator too.
            var emulatorOptions = builder.Configuration.GetSection(EmulatorOptions.Section).Get<EmulatorOptions>() ?? new EmulatorOptions();
            var emulator = await VideoSdkEmulatorApp.StartAsync(
                emulatorOptions, builder.Configuration["DevHost:EmulatorUrl"] ?? DefaultEmulatorUrl, cancellationToken).ConfigureAwait(false);
            // Its rooms' webhooks go to this app's /api/webhooks/videosdk (known once Kestrel has bound),
            // so a dispatch is confirmed joined as it would be in Azure: Emulator:WebhookUrl overrides.
            webhooksToApp = string.IsNullOrWhiteSpace(emulatorOptions.WebhookUrl) ? emulatorOptions : null;
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

        var graphClock = new AppClock();
        var graphToApp = await StartGraphStandInAsync(builder, graphClock, startup, cancellationToken).ConfigureAwait(false);

        // Registered before the app's own services: Storage is up before anything that needs it
        // starts, and hosted services stop in reverse order, so it goes down last.
        builder.Services.AddHostedService(services => new DevelopmentStorageLifetime(
            services.GetRequiredService<IConfiguration>(), DevelopmentStorage.FindPackageRoot(appRoot), services.GetRequiredService<ILoggerFactory>()));

        builder.AddAgentDispatch();
        if (TelemetryExporters.From(builder.Configuration).Any)
        {
            // In Azure the Functions host makes the inbound request span and the worker one per
            // invocation; here the dev host is both, so it adds its own two on top of the app's wiring.
            // Listeners are per process: the in-process VideoSDK emulator (and, in tests, other loopback
            // servers) would be traced too. Only this app's own requests are.
            builder.Services.AddSingleton<OwnRequests>();
            builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => context.RequestServices.GetService<OwnRequests>() is not null)
                .AddSource(FunctionActivities.SourceName));
        }

        // Resolved before the app is built, as the Functions host does: a missing %SETTING% or a bad
        // schedule stops start-up here, naming the function.
        var hostJson = HostJson.Read(appRoot);
        var queueFunctions = QueueFunction.Resolve(functions, builder.Configuration);
        var timerFunctions = TimerFunction.Resolve(functions, builder.Configuration);
        var queueVisibility = ReadQueueVisibility(builder.Configuration);
        foreach (var function in queueFunctions)
        {
            builder.Services.AddSingleton<IHostedService>(services => new QueueFunctionRunner(function, hostJson.Queues, services, queueVisibility));
        }

        foreach (var function in timerFunctions)
        {
            builder.Services.AddSingleton<IHostedService>(services => new TimerFunctionRunner(function, services));
        }

        var app = builder.Build();

        // The stand-in keeps Graph's clock (subscription lifetimes, Retry-After) on the app's: a test or
        // benchmark that moves the app's TimeProvider moves Graph's with it.
        graphClock.Follow(app.Services.GetRequiredService<TimeProvider>());
        var routes = HttpFunctionEndpoints.Routes(functions, hostJson.RoutePrefix);
        app.UseRouting();
        HttpFunctionEndpoints.Map(app, routes, app.Configuration["DevHost:FunctionKey"]);

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AgentDispatch.DevHost");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            if (webhooksToApp is not null && app.Urls.FirstOrDefault() is { } appUrl
                && routes.FirstOrDefault(r => r.Name == VideoSdkWebhookFunction) is { } webhookRoute)
            {
                webhooksToApp.WebhookUrl = appUrl.TrimEnd('/') + "/" + webhookRoute.Route.TrimStart('/');
                startup.Add($"The emulator's rooms send VideoSDK's webhooks to {webhooksToApp.WebhookUrl}: a dispatch goes assigned, then joined when the emulated agent is in the room.");
            }

            if (graphToApp && app.Urls.FirstOrDefault() is { } ownUrl
                && routes.FirstOrDefault(r => r.Name == Microsoft365WebhookFunction) is { } graphRoute)
            {
                // As for the VideoSDK emulator: the stand-in's notifications go to this app, known once Kestrel has bound.
                var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft365Options>>().Value;
                options.NotificationUrl ??= new Uri(ownUrl.TrimEnd('/') + "/" + graphRoute.Route.TrimStart('/'));
                startup.Add($"The Graph stand-in's change notifications go to {options.NotificationUrl}; the mailboxes are subscribed and read now, then on the timer.");
                _ = SubscribeNowAsync(app.Services.GetRequiredService<MailboxMaintenance>(), app.Lifetime.ApplicationStopping);
            }

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

            foreach (var function in queueFunctions)
            {
                Log.QueueFunction(logger, function.Name, function.QueueName, function.Connection);
            }

            var now = (app.Services.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();
            foreach (var function in timerFunctions)
            {
                var next = function.Schedule.GetNextOccurrence(now) is { } occurrence ? function.Schedule.ToScheduleTime(occurrence).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "never";
                Log.TimerFunction(logger, function.Name, function.Schedule.ToString(), next, function.RunOnStartup ? " (RunOnStartup: also runs at every start)" : string.Empty);
            }
        });

        return app;
    }

    /// <summary>
    /// With no <c>Microsoft365:GraphUrl</c>, the Graph stand-in is started in-process (holding the
    /// configured mailboxes, empty) and Graph is called with a placeholder token, as the VideoSDK emulator
    /// is for VideoSDK: nothing leaves the machine, and a mailbox added through <c>/api/calendars</c> is
    /// followed there too. It listens on <see cref="DefaultGraphEmulatorUrl"/> when mailboxes are configured,
    /// else on a free port (<c>DevHost:GraphEmulatorUrl</c> sets either), printed at start.
    /// </summary>
    /// <returns>True when the stand-in was started (its notifications then go to this app).</returns>
    private static async Task<bool> StartGraphStandInAsync(WebApplicationBuilder builder, TimeProvider time, List<string> startup, CancellationToken cancellationToken)
    {
        var mailboxes = builder.Configuration.GetSection($"{Microsoft365Options.Section}:Mailboxes").GetChildren()
            .Select(m => m["Mailbox"]).OfType<string>().Where(m => !string.IsNullOrWhiteSpace(m)).ToList();
        if (!string.IsNullOrWhiteSpace(builder.Configuration[$"{Microsoft365Options.Section}:GraphUrl"]))
        {
            startup.Add($"Microsoft Graph requests go to {builder.Configuration[$"{Microsoft365Options.Section}:GraphUrl"]}.");
            return false;
        }

        var graph = await GraphEmulatorApp.StartAsync(
            new GraphEmulatorOptions { Mailboxes = mailboxes },
            builder.Configuration["DevHost:GraphEmulatorUrl"] ?? (mailboxes.Count > 0 ? DefaultGraphEmulatorUrl : "http://127.0.0.1:0"),
            time,
            cancellationToken).ConfigureAwait(false);
        builder.Services.AddSingleton(graph);
        builder.Services.AddHostedService<GraphEmulatorLifetime>();
        builder.Services.AddSingleton(new Microsoft365Credential(new StandInCredential()) { Kind = "stand-in" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [$"{Microsoft365Options.Section}:GraphUrl"] = graph.GraphUrl.AbsoluteUri });
        startup.Add(
            $"Microsoft365:GraphUrl is not set: started the Graph stand-in in-process at {graph.GraphUrl} with the mailboxes {(mailboxes.Count == 0 ? "(none yet: add one with PUT " + graph.BaseAddress + "_graph/users/<mailbox>)" : string.Join(", ", mailboxes))} "
            + $"(add events through {graph.BaseAddress}_graph/users/<mailbox>/events; see docs/local-development.md).");
        return true;
    }

    private static async Task SubscribeNowAsync(MailboxMaintenance maintenance, CancellationToken stopping)
    {
        try
        {
            await maintenance.RunAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// <c>DevHost:QueueVisibility</c>: how long a message in flight stays hidden (default 10 minutes, as
    /// under the Functions host). Crash tests shorten it, so a message held by a dev host that was
    /// killed comes back within seconds instead of ten minutes.
    /// </summary>
    private static TimeSpan? ReadQueueVisibility(IConfiguration configuration)
    {
        const string Setting = "DevHost:QueueVisibility";
        var text = configuration[Setting];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var visibility)
            || visibility < QueueFunctionRunner.MinProcessingVisibility
            || visibility > QueueTriggerOptions.MaxVisibilityTimeout)
        {
            throw new InvalidOperationException(
                $"{Setting} is '{text}'; it must be a time span between {QueueFunctionRunner.MinProcessingVisibility:c} and {QueueTriggerOptions.MaxVisibilityTimeout:c}, such as 00:00:10.");
        }

        return visibility;
    }

    // The trigger settings (%NAME% in the attributes) come with the app's own defaults from the
    // catalogue: an unset one stops the host, as in Azure, and "dotnet run" must work from a fresh clone.
    private static readonly Dictionary<string, string?> BuiltInDefaults = TriggerSettings.WithDefaults(new()
    {
        ["urls"] = DefaultUrl,
        ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting"] = "Warning",
        ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
        ["Logging:LogLevel:Polly"] = "Warning",
        // Subscribers of a local run live on this machine (loopback); in Azure private addresses stay refused.
        ["Notifications:AllowPrivateNetworks"] = "true",
        // Encrypts the feed URLs of calendars added through the API in the local (Azurite) table. Not a
        // secret: it protects only local data. In Azure the key is a Key Vault secret (Sources:DataKeySecretName),
        // and Sources__DataKey is refused as an app setting.
        ["Sources:DataKey"] = "dev-host-only-sources-data-key-not-a-secret",
    });

    /// <summary>The function behind <c>POST /api/webhooks/videosdk</c>, where the emulator's webhooks go.</summary>
    private const string VideoSdkWebhookFunction = "VideoSdkWebhook";

    /// <summary>The function behind <c>POST /api/webhooks/microsoft365</c>, where the Graph stand-in's notifications go.</summary>
    private const string Microsoft365WebhookFunction = "Microsoft365Webhook";

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Line}")]
        public static partial void Startup(ILogger logger, string line);

        [LoggerMessage(2, LogLevel.Information, "{Function}: {Methods} {Url} ({AuthLevel})")]
        public static partial void Route(ILogger logger, string function, string methods, string url, string authLevel);

        [LoggerMessage(3, LogLevel.Information, "{Function}: queue {Queue} ({Connection})")]
        public static partial void QueueFunction(ILogger logger, string function, string queue, string connection);

        [LoggerMessage(4, LogLevel.Information, "{Function}: timer {Schedule}, next run {Next}{RunOnStartup}")]
        public static partial void TimerFunction(ILogger logger, string function, string schedule, string next, string runOnStartup);
    }

    /// <summary>Marks this app's services, so the request spans are this app's and no other server's in the process.</summary>
    private sealed class OwnRequests;

    /// <summary>Stops the in-process emulator when the dev host stops (Ctrl+C included).</summary>
    private sealed class EmulatorLifetime(RunningEmulator emulator) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken) => await emulator.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The system clock until the app is built, then the app's own <see cref="TimeProvider"/>.</summary>
    private sealed class AppClock : TimeProvider
    {
        private volatile TimeProvider _time = System;

        public void Follow(TimeProvider time) => _time = time;

        public override DateTimeOffset GetUtcNow() => _time.GetUtcNow();

        public override long GetTimestamp() => _time.GetTimestamp();

        public override long TimestampFrequency => _time.TimestampFrequency;

        public override TimeZoneInfo LocalTimeZone => _time.LocalTimeZone;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => _time.CreateTimer(callback, state, dueTime, period);
    }

    /// <summary>Stops the in-process Graph stand-in with the dev host.</summary>
    private sealed class GraphEmulatorLifetime(RunningGraphEmulator graph) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken) => await graph.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The stand-in accepts any bearer token: a fixed one, so no Azure credential is ever built locally.</summary>
    private sealed class StandInCredential : Azure.Core.TokenCredential
    {
        public override Azure.Core.AccessToken GetToken(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken)
            => new("local-graph-stand-in-token", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<Azure.Core.AccessToken> GetTokenAsync(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken)
            => ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    /// <summary>
    /// Gives <c>UseDevelopmentStorage=true</c> an emulator to talk to: the one already listening on
    /// 10001/10002, or the repository's Azurite started there and stopped with the dev host.
    /// </summary>
    private sealed class DevelopmentStorageLifetime(IConfiguration configuration, string packageRoot, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
    {
        private readonly ILogger _logger = loggers.CreateLogger("AgentDispatch.DevHost");
        private AzuriteProcess? _azurite;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            switch (DevelopmentStorage.Decide(configuration[DevelopmentStorage.Setting], AzuriteProcess.IsListening))
            {
                case DevelopmentStorageAction.UseRunningEmulator:
                    Log.Startup(_logger,
                        $"{DevelopmentStorage.Setting} is {DevelopmentStorage.ConnectionString}: using the Storage emulator already listening on "
                        + $"127.0.0.1:{DevelopmentStorage.QueuePort} (queues) and {DevelopmentStorage.TablePort} (tables).");
                    break;
                case DevelopmentStorageAction.StartAzurite:
                    // AzuriteProcess starts it on 127.0.0.1 with --disableTelemetry, always (asserted in AzuriteProcessTests).
                    _azurite = await AzuriteProcess.StartAsync(
                        packageRoot, DevelopmentStorage.BlobPort, DevelopmentStorage.QueuePort, DevelopmentStorage.TablePort, _logger, cancellationToken).ConfigureAwait(false);
                    Log.Startup(_logger,
                        $"{DevelopmentStorage.Setting} is {DevelopmentStorage.ConnectionString} and nothing listened on 127.0.0.1:{DevelopmentStorage.QueuePort}: "
                        + $"started Azurite (in memory, pid {_azurite.ProcessId}) with blobs at {_azurite.BlobEndpoint}, queues at {_azurite.QueueEndpoint}, "
                        + $"tables at {_azurite.TableEndpoint}; it stops with the dev host and its data with it.");
                    break;
            }
        }

        public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

        public async ValueTask DisposeAsync()
        {
            if (_azurite is { } azurite)
            {
                _azurite = null;
                await azurite.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
