using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace AgentDispatch.Testing.Otlp;

/// <summary>
/// An OTLP/HTTP receiver on 127.0.0.1, what an OpenTelemetry Collector's 4318 port would be: it accepts
/// protobuf bodies on <c>/v1/traces</c>, <c>/v1/metrics</c> and <c>/v1/logs</c> and answers 200 with an
/// empty (valid) export response. It decodes and keeps spans and metric names, or, started with
/// <c>keep: false</c>, counts requests and throws the bodies away (the benchmark).
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _keep;
    private readonly ConcurrentQueue<OtlpSpan> _spans = new();
    private readonly ConcurrentQueue<OtlpMetric> _metrics = new();
    private readonly ConcurrentQueue<string> _problems = new();
    private int _exports;

    private OtlpReceiver(WebApplication app, bool keep)
    {
        _app = app;
        _keep = keep;
    }

    /// <summary>The base address for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, e.g. <c>http://127.0.0.1:54321</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    public IReadOnlyList<OtlpSpan> Spans => [.. _spans];

    public IReadOnlyList<OtlpMetric> Metrics => [.. _metrics];

    /// <summary>Export requests received, on every path.</summary>
    public int Exports => Volatile.Read(ref _exports);

    /// <summary>What did not look like an OTLP/HTTP protobuf export (wrong content type, undecodable body).</summary>
    public IReadOnlyList<string> Problems => [.. _problems];

    public static async Task<OtlpReceiver> StartAsync(bool keep = true)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new OtlpReceiver(app, keep);
        app.Run(receiver.ReceiveAsync);
        await app.StartAsync().ConfigureAwait(false);
        receiver.Endpoint = new Uri(app.Urls.First());
        return receiver;
    }

    /// <summary>Polls until <paramref name="found"/> gives a value or <paramref name="deadline"/> passes (then null).</summary>
    public async Task<T?> WaitForAsync<T>(Func<OtlpReceiver, T?> found, TimeSpan deadline)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(found);
        var started = DateTime.UtcNow;
        while (true)
        {
            if (found(this) is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow - started > deadline)
            {
                return null;
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    private async Task ReceiveAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer).ConfigureAwait(false);
        Interlocked.Increment(ref _exports);
        if (_keep)
        {
            Keep(context.Request.Path.Value ?? "", context.Request.ContentType, buffer.ToArray());
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/x-protobuf";
    }

    private void Keep(string path, string? contentType, byte[] body)
    {
        if (!string.Equals(contentType, "application/x-protobuf", StringComparison.OrdinalIgnoreCase))
        {
            _problems.Enqueue($"{path}: content type {contentType}");
            return;
        }

        try
        {
            switch (path)
            {
                case "/v1/traces":
                    foreach (var span in OtlpWire.ReadSpans(body))
                    {
                        _spans.Enqueue(span);
                    }

                    break;
                case "/v1/metrics":
                    foreach (var metric in OtlpWire.ReadMetrics(body))
                    {
                        _metrics.Enqueue(metric);
                    }

                    break;
                case "/v1/logs":
                    break;
                default:
                    _problems.Enqueue($"{path}: not an OTLP path");
                    break;
            }
        }
        catch (Google.Protobuf.InvalidProtocolBufferException ex)
        {
            _problems.Enqueue($"{path}: {ex.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
