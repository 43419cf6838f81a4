using AgentDispatch.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace AgentDispatch.Core.Tests.Notifications;

/// <summary>The webhook sender as <see cref="WebhookDeliveryServiceCollectionExtensions.AddWebhookDelivery"/> registers it, with logs a test can read.</summary>
internal sealed class DeliveryServices : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private DeliveryServices(ServiceProvider provider) => _provider = provider;

    public WebhookSender Sender => _provider.GetRequiredService<WebhookSender>();

    public FakeLogCollector Logs => _provider.GetRequiredService<FakeLogCollector>();

    /// <summary>Loopback subscribers need private networks allowed, as in the dev host.</summary>
    public static DeliveryServices Build(DeliveryLimits? limits = null, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddFakeLogging());
        configure?.Invoke(services);
        services.AddWebhookDelivery(_ => limits ?? new DeliveryLimits { AllowPrivateNetworks = true });
        return new DeliveryServices(services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true }));
    }

    public string AllLogText()
        => string.Join('\n', Logs.GetSnapshot().Select(r => $"{r.Message} {r.Exception} {string.Join(' ', r.StructuredState?.Select(p => p.Value) ?? [])}"));

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
