using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentDispatch.GraphEmulator;

/// <summary>Settings of an in-process or standalone stand-in.</summary>
public sealed class GraphEmulatorOptions
{
    public const string Section = "GraphEmulator";

    /// <summary>Items per delta page: small, so paging is exercised.</summary>
    public int PageSize { get; set; } = 10;

    /// <summary>Mailboxes there from the start (UPNs).</summary>
    public List<string> Mailboxes { get; set; } = [];
}

/// <summary>Wires the Graph stand-in standalone or in-process, on loopback.</summary>
public static class GraphEmulatorApp
{
    public const string DefaultUrl = "http://127.0.0.1:7073";
    public const string EphemeralUrl = "http://127.0.0.1:0";

    /// <summary>The HttpClient the stand-in calls the app with (validation and notifications).</summary>
    internal const string NotificationClient = "GraphEmulator.Notifications";

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        if (string.IsNullOrWhiteSpace(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        var options = builder.Configuration.GetSection(GraphEmulatorOptions.Section).Get<GraphEmulatorOptions>() ?? new GraphEmulatorOptions();
        builder.Services.AddGraphEmulator(options);
        var app = builder.Build();
        app.MapGraphEmulator();
        return app;
    }

    /// <summary>Starts the stand-in on its own Kestrel server in this process; port 0 picks a free one.</summary>
    public static async Task<RunningGraphEmulator> StartAsync(
        GraphEmulatorOptions? options = null, string url = EphemeralUrl, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        options ??= new GraphEmulatorOptions();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseUrls(url);
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(time ?? TimeProvider.System);
        builder.Services.AddGraphEmulator(options);
        var app = builder.Build();
        app.MapGraphEmulator();
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? url;
        return new RunningGraphEmulator(app, new Uri(address.TrimEnd('/') + "/"), app.Services.GetRequiredService<GraphState>());
    }

    public static IServiceCollection AddGraphEmulator(this IServiceCollection services, GraphEmulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(NotificationClient, http => http.Timeout = TimeSpan.FromSeconds(15))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        services.TryAddSingleton(sp =>
        {
            var state = new GraphState(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IHttpClientFactory>(), options.PageSize);
            foreach (var mailbox in options.Mailboxes)
            {
                state.AddMailbox(mailbox);
            }

            return state;
        });
        services.TryAddSingleton(sp => new GraphEndpoints(sp.GetRequiredService<GraphState>(), sp.GetRequiredService<IHttpClientFactory>()));
        services.TryAddSingleton(sp => new ControlEndpoints(sp.GetRequiredService<GraphState>()));
        return services;
    }

    public static IEndpointRouteBuilder MapGraphEmulator(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.ServiceProvider.GetRequiredService<GraphEndpoints>().Map(endpoints);
        endpoints.ServiceProvider.GetRequiredService<ControlEndpoints>().Map(endpoints);
        return endpoints;
    }
}

/// <summary>A stand-in started in-process by <see cref="GraphEmulatorApp.StartAsync"/>.</summary>
public sealed class RunningGraphEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

    internal RunningGraphEmulator(WebApplication app, Uri baseAddress, GraphState state)
    {
        _app = app;
        BaseAddress = baseAddress;
        State = state;
    }

    /// <summary>The bound address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>What the app sets as <c>Microsoft365:GraphUrl</c>: <see cref="BaseAddress"/> + <c>v1.0/</c>.</summary>
    public Uri GraphUrl => new(BaseAddress, "v1.0/");

    public GraphState State { get; }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
