using AgentDispatch.VideoSdkEmulator.Control;
using AgentDispatch.VideoSdkEmulator.Dispatch;
using AgentDispatch.VideoSdkEmulator.Hosting;
using AgentDispatch.VideoSdkEmulator.Rooms;
using AgentDispatch.VideoSdkEmulator.Webhooks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentDispatch.VideoSdkEmulator;

/// <summary>Wires the emulator standalone, in-process, or into another app.</summary>
public static partial class VideoSdkEmulatorApp
{
    public const string DefaultUrl = "http://127.0.0.1:7072";
    public const string EphemeralUrl = "http://127.0.0.1:0";

    // Kestrel waits this long for requests held by latency or slow faults before cutting them off.
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The standalone app: <c>Emulator</c> settings from configuration, <c>--urls</c> or <see cref="DefaultUrl"/>.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is out of range; the message names it.</exception>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        if (string.IsNullOrWhiteSpace(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        // ASP.NET Core logs two Information lines per request: under a benchmark that is most of the work.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);

        var options = builder.Configuration.GetSection(EmulatorOptions.Section).Get<EmulatorOptions>() ?? new EmulatorOptions();
        builder.Services.AddVideoSdkEmulator(options);

        var app = builder.Build();
        app.MapVideoSdkEmulator();
        app.Lifetime.ApplicationStarted.Register(() => LogListening(app.Logger, app.Urls, options.RequiresToken));
        return app;
    }

    /// <summary>Starts the emulator on its own Kestrel server in this process.</summary>
    /// <param name="url">Where to listen; port 0 picks a free port, read it from <see cref="RunningEmulator.BaseAddress"/>.</param>
    public static Task<RunningEmulator> StartAsync(
        EmulatorOptions options, string url = EphemeralUrl, CancellationToken cancellationToken = default) =>
        StartAsync(options, TimeProvider.System, url, cancellationToken);

    /// <summary>As <see cref="StartAsync(EmulatorOptions, string, CancellationToken)"/>, with the clock under the caller's control.</summary>
    public static async Task<RunningEmulator> StartAsync(
        EmulatorOptions options, TimeProvider timeProvider, string url = EphemeralUrl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentException.ThrowIfNullOrWhiteSpace(url);

        // The empty builder reads no appsettings, environment or command line of the host process:
        // an in-process emulator is configured by its options alone, and stays quiet.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseUrls(url);
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(timeProvider);
        builder.Services.AddVideoSdkEmulator(options);

        var app = builder.Build();
        app.MapVideoSdkEmulator();
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var address = addresses?.FirstOrDefault() ?? url;
        var baseAddress = new Uri(address.EndsWith('/') ? address : address + "/", UriKind.Absolute);
        return new RunningEmulator(app, baseAddress, app.Services.GetRequiredService<EmulatorState>(), StopTimeout);
    }

    /// <summary>Maps <c>POST /v2/agent/dispatch</c> and the <c>/_emulator</c> control routes.</summary>
    /// <remarks>Needs <see cref="AddVideoSdkEmulator"/> on the same service collection.</remarks>
    public static IEndpointRouteBuilder MapVideoSdkEmulator(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        if (services.GetService<EmulatorState>() is null)
        {
            throw new InvalidOperationException("Call AddVideoSdkEmulator on the services before MapVideoSdkEmulator.");
        }

        // A plain request delegate: no parameter binding, no per-request reflection on the hot path.
        endpoints.MapPost(DispatchEndpoint.Route, services.GetRequiredService<DispatchEndpoint>().HandleAsync);
        services.GetRequiredService<ControlEndpoints>().Map(endpoints);
        services.GetRequiredService<RoomApiEndpoints>().Map(endpoints);
        services.GetRequiredService<RoomControlEndpoints>().Map(endpoints);
        services.GetRequiredService<WebhookEndpoints>().Map(endpoints);
        return endpoints;
    }

    /// <summary>Registers the emulator's state (one per service provider) and endpoints.</summary>
    /// <remarks>Uses the <see cref="TimeProvider"/> already registered, else <see cref="TimeProvider.System"/>.</remarks>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is out of range; the message names it.</exception>
    public static IServiceCollection AddVideoSdkEmulator(this IServiceCollection services, EmulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        EmulatorOptionsValidator.ThrowIfInvalid(options);

        services.TryAddSingleton(TimeProvider.System);
        WebhookSender.AddHttpClient(services);
        services.TryAddSingleton(sp => new EmulatorState(
            options, sp.GetRequiredService<TimeProvider>(), sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance, sp.GetRequiredService<IHttpClientFactory>()));
        services.TryAddSingleton(sp => new DispatchEndpoint(sp.GetRequiredService<EmulatorState>(), Logger<DispatchEndpoint>(sp)));
        services.TryAddSingleton(sp => new ControlEndpoints(sp.GetRequiredService<EmulatorState>(), Logger<ControlEndpoints>(sp)));
        services.TryAddSingleton(sp => new RoomApiEndpoints(sp.GetRequiredService<EmulatorState>()));
        services.TryAddSingleton(sp => new RoomControlEndpoints(sp.GetRequiredService<EmulatorState>()));
        services.TryAddSingleton(sp => new WebhookEndpoints(sp.GetRequiredService<EmulatorState>()));
        return services;
    }

    private static ILogger<T> Logger<T>(IServiceProvider services) =>
        services.GetService<ILogger<T>>() ?? NullLogger<T>.Instance;

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "VideoSDK dispatch emulator listening on {Urls} (signed tokens required: {TokensRequired})")]
    private static partial void LogListening(ILogger logger, ICollection<string> urls, bool tokensRequired);
}
