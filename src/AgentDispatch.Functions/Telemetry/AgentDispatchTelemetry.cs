using System.Diagnostics;
using AgentDispatch.Telemetry;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace AgentDispatch.Functions.Telemetry;

/// <summary>
/// Where the app's traces, metrics and logs go, read from the standard settings: Application Insights
/// when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set, OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>
/// is, both when both are, and nowhere (nothing registered) when neither is.
/// </summary>
public sealed record TelemetryExporters(string? ApplicationInsightsConnectionString, Uri? OtlpEndpoint, OtlpExportProtocol OtlpProtocol)
{
    public const string ApplicationInsightsSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string OtlpProtocolSetting = "OTEL_EXPORTER_OTLP_PROTOCOL";

    public bool Any => ApplicationInsightsConnectionString is not null || OtlpEndpoint is not null;

    /// <exception cref="InvalidOperationException">A setting is present but unusable; the message names it.</exception>
    public static TelemetryExporters From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = NonBlank(configuration[ApplicationInsightsSetting]);
        if (connectionString?.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase) == true)
        {
            throw new InvalidOperationException($"{ApplicationInsightsSetting} is an unresolved Key Vault reference: the app cannot read that secret.");
        }

        Uri? endpoint = null;
        if (NonBlank(configuration[OtlpEndpointSetting]) is { } text
            && (!Uri.TryCreate(text, UriKind.Absolute, out endpoint) || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            throw new InvalidOperationException($"{OtlpEndpointSetting} is '{text}'; it must be an absolute http or https URL, such as http://127.0.0.1:4318.");
        }

        // The OpenTelemetry spec's default is http/protobuf; the .NET exporter's own default is gRPC.
        // This app follows the spec, so a collector's 4318 port works with the endpoint alone.
        var protocol = NonBlank(configuration[OtlpProtocolSetting]) switch
        {
            null or "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
            "grpc" => OtlpExportProtocol.Grpc,
            var other => throw new InvalidOperationException($"{OtlpProtocolSetting} is '{other}'; it must be http/protobuf (the default) or grpc."),
        };

        return new TelemetryExporters(connectionString, endpoint, protocol);
    }

    private static string? NonBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

public static class AgentDispatchTelemetry
{
    /// <summary>
    /// OpenTelemetry for the app, when an exporter is configured: the <c>AgentDispatch</c> spans and meter,
    /// the outgoing HTTP calls (the VideoSDK call is one), and the Functions worker's own invocation spans
    /// (<c>UseFunctionsWorkerDefaults</c>, which also tells the host not to send the worker's telemetry
    /// a second time). With no exporter nothing is registered, so no span is even created.
    /// </summary>
    public static IHostApplicationBuilder AddAgentDispatchTelemetry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var exporters = TelemetryExporters.From(builder.Configuration);
        if (!exporters.Any)
        {
            return builder;
        }

        var configuration = builder.Configuration;
        var telemetry = builder.Services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithTracing(tracing => tracing
                .AddSource(AgentDispatchActivities.SourceName)
                .AddHttpClientInstrumentation(http => http.FilterHttpRequestMessage = _ => HasParent(Activity.Current))
                // Added before any exporter, so it runs first when a span ends: feed and subscriber URLs can hold
                // credentials (see TelemetryUrls). HttpClient on .NET 9+ sets url.full itself, so the span is
                // corrected when it ends rather than enriched when it starts.
                .AddProcessor(new HttpUrlRedaction(configuration)))
            .WithMetrics(metrics => metrics.AddMeter(AgentDispatchMetrics.MeterName));

        if (exporters.ApplicationInsightsConnectionString is { } connectionString)
        {
            var authentication = builder.Configuration[ApplicationInsightsAuthentication.Setting];
            telemetry.UseAzureMonitorExporter(azureMonitor =>
            {
                azureMonitor.ConnectionString = connectionString;
                // Local auth is off on the deployed Application Insights: send as the app's identity.
                if (ApplicationInsightsAuthentication.CreateCredential(authentication) is { } credential)
                {
                    azureMonitor.Credential = credential;
                }
            });
        }

        if (exporters.OtlpEndpoint is { } endpoint)
        {
            telemetry.UseOtlpExporter(exporters.OtlpProtocol, endpoint);
        }

        return builder;
    }

    /// <summary>
    /// An HTTP call with no span above it is not made for a job or a trigger: the dev host polling its
    /// queues, a client warming up. Those would be a root trace a second each; calls made inside a
    /// trigger or a dispatch have a parent and are kept.
    /// </summary>
    private static bool HasParent(Activity? http) => http is null || http.ParentSpanId != default;
}

/// <summary>
/// Rewrites an outgoing HTTP span's <c>url.full</c> to what <see cref="TelemetryUrls.Shown"/> allows. The
/// VideoSDK base URL is read per span, because the dev host points it at its emulator once it has started.
/// </summary>
internal sealed class HttpUrlRedaction(IConfiguration configuration) : BaseProcessor<Activity>
{
    public const string UrlTag = "url.full";

    public override void OnEnd(Activity data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Kind == ActivityKind.Client && data.GetTagItem(UrlTag) is string url && Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            data.SetTag(UrlTag, TelemetryUrls.Shown(uri, VideoSdkBase()));
        }
    }

    private Uri? VideoSdkBase()
        => configuration["VideoSdk:BaseUrl"] is { } text
            ? (Uri.TryCreate(text, UriKind.Absolute, out var url) ? url : null)
            : AgentDispatch.Configuration.VideoSdkOptions.DefaultBaseUrl;
}
