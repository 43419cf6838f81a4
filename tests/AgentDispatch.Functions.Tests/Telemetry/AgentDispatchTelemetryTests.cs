using System.Diagnostics.Metrics;
using AgentDispatch.Functions.Telemetry;
using AgentDispatch.Telemetry;
using AgentDispatch.Testing.Otlp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace AgentDispatch.Functions.Tests.Telemetry;

/// <summary>Which exporter the settings turn on, and that none means nothing at all is registered.</summary>
public sealed class AgentDispatchTelemetryTests
{
    private static HostApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }

    private static bool HasOpenTelemetry(IServiceCollection services)
        => services.Any(d => d.ServiceType == typeof(TracerProvider) || d.ServiceType == typeof(MeterProvider));

    [Fact]
    public void AddAgentDispatchTelemetry_NoExporterSettings_RegistersNothing()
    {
        var builder = Builder([]);
        var before = builder.Services.Count;

        builder.AddAgentDispatchTelemetry();

        Assert.Equal(before, builder.Services.Count);
        using var host = builder.Build();
        Assert.Null(host.Services.GetService<TracerProvider>());
        Assert.Null(host.Services.GetService<MeterProvider>());
    }

    [Fact]
    public void FunctionsApp_NoExporterSettings_HasNoTracerOrMeterProvider()
    {
        using var host = new FunctionsTestHost(new Dictionary<string, string?> { ["VideoSdk:AuthToken"] = "t" });

        Assert.Null(host.Services.GetService<TracerProvider>());
        Assert.Null(host.Services.GetService<MeterProvider>());
    }

    [Fact]
    public async Task AddAgentDispatchTelemetry_OtlpEndpoint_ExportsTheAppsSpansAndMeterOverHttpProtobuf()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var builder = Builder(new() { [TelemetryExporters.OtlpEndpointSetting] = receiver.Endpoint.AbsoluteUri });
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<AgentDispatchMetrics>();
        builder.AddAgentDispatchTelemetry();

        using (var host = builder.Build())
        {
            // Resolving the providers starts them, as the host's start would.
            host.Services.GetRequiredService<TracerProvider>();
            host.Services.GetRequiredService<MeterProvider>();
            host.Services.GetRequiredService<AgentDispatchMetrics>().KeyVaultRead(succeeded: true);
            using (AgentDispatchActivities.Start(AgentDispatchActivities.Names.Sweep))
            {
            }
        }

        // Disposing the host flushed both providers: what they held has been sent.
        Assert.Contains(receiver.Spans, s => s.Name == AgentDispatchActivities.Names.Sweep && s.Scope == AgentDispatchActivities.SourceName);
        Assert.Contains(receiver.Metrics, m => m.Name == "agentdispatch.keyvault.reads" && m.Scope == AgentDispatchMetrics.MeterName);
        Assert.Empty(receiver.Problems);
    }

    [Fact]
    public void AddAgentDispatchTelemetry_ApplicationInsightsConnectionString_RegistersTheProviders()
    {
        // Registered, never built: building would start the Azure Monitor exporter's own traffic.
        var builder = Builder(new() { [TelemetryExporters.ApplicationInsightsSetting] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/" });

        builder.AddAgentDispatchTelemetry();

        Assert.True(HasOpenTelemetry(builder.Services));
    }

    [Theory]
    [InlineData(null, null, false, false)]
    [InlineData("InstrumentationKey=k", null, true, false)]
    [InlineData(null, "http://127.0.0.1:4318", false, true)]
    [InlineData("InstrumentationKey=k", "http://127.0.0.1:4318", true, true)]
    [InlineData("  ", "", false, false)]
    public void From_TheStandardSettings_TurnOnTheirExporter(string? connectionString, string? endpoint, bool azureMonitor, bool otlp)
    {
        var exporters = TelemetryExporters.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [TelemetryExporters.ApplicationInsightsSetting] = connectionString,
            [TelemetryExporters.OtlpEndpointSetting] = endpoint,
        }).Build());

        Assert.Equal((azureMonitor, otlp, azureMonitor || otlp), (exporters.ApplicationInsightsConnectionString is not null, exporters.OtlpEndpoint is not null, exporters.Any));
    }

    [Theory]
    [InlineData(null, OtlpExportProtocol.HttpProtobuf)]
    [InlineData("http/protobuf", OtlpExportProtocol.HttpProtobuf)]
    [InlineData("grpc", OtlpExportProtocol.Grpc)]
    public void From_OtlpProtocol_DefaultsToHttpProtobuf(string? protocol, OtlpExportProtocol expected)
    {
        var exporters = TelemetryExporters.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [TelemetryExporters.OtlpEndpointSetting] = "http://127.0.0.1:4318",
            [TelemetryExporters.OtlpProtocolSetting] = protocol,
        }).Build());

        Assert.Equal(expected, exporters.OtlpProtocol);
    }

    [Theory]
    [InlineData(TelemetryExporters.OtlpEndpointSetting, "collector:4318")]
    [InlineData(TelemetryExporters.OtlpProtocolSetting, "http/json")]
    [InlineData(TelemetryExporters.ApplicationInsightsSetting, "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/ai)")]
    public void From_UnusableSetting_StopsStartUpNamingIt(string setting, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [TelemetryExporters.OtlpEndpointSetting] = "http://127.0.0.1:4318",
            [setting] = value,
        }).Build();

        var error = Assert.Throws<InvalidOperationException>(() => TelemetryExporters.From(configuration));

        Assert.StartsWith(setting, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ClientId=11111111-2222-3333-4444-555555555555;Authorization=AAD", true, "11111111-2222-3333-4444-555555555555")]
    [InlineData("Authorization=AAD", true, null)]
    [InlineData(" authorization = aad ; clientid = abc ", true, "abc")]
    [InlineData("ClientId=abc", false, "abc")]
    [InlineData(null, false, null)]
    public void ApplicationInsightsAuthentication_TryParse_ReadsTheFunctionsHostsFormat(string? text, bool aad, string? clientId)
    {
        Assert.Equal((aad, clientId), (ApplicationInsightsAuthentication.TryParse(text, out var parsed), parsed));
    }

    [Fact]
    public void ApplicationInsightsAuthentication_CreateCredential_NotAad_IsNull()
        => Assert.Null(ApplicationInsightsAuthentication.CreateCredential("ClientId=abc"));
}
