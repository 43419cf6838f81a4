using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace AgentDispatch.Core.Tests;

/// <summary>The core services exactly as the app registers them, with settings and logs a test controls.</summary>
internal sealed class CoreServices : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private CoreServices(ServiceProvider provider, FakeLogCollector logs)
    {
        _provider = provider;
        Logs = logs;
    }

    public IServiceProvider Services => _provider;

    public FakeLogCollector Logs { get; }

    public T Get<T>()
        where T : notnull => _provider.GetRequiredService<T>();

    public static CoreServices Build(IDictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddFakeLogging());
        configure?.Invoke(services);
        services.AddAgentDispatchCore();
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        return new CoreServices(provider, provider.GetRequiredService<FakeLogCollector>());
    }

    /// <summary>Every log line written, with its exception text, for secret scans.</summary>
    public string AllLogText()
        => string.Join('\n', Logs.GetSnapshot().Select(r => $"{r.Message} {r.Exception}"));

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
