using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentDispatch.VideoSdkEmulator.Tests.TestSupport;

/// <summary>A real HTTP server on a loopback port that records every webhook posted to it.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly ConcurrentQueue<int> _answers = new();

    private WebhookReceiver(WebApplication app)
    {
        _app = app;
        BaseAddress = new Uri(app.Urls.First() + "/");
    }

    public Uri BaseAddress { get; }

    /// <summary>Where to point a webhook; the path is recorded, so several endpoints can share one receiver.</summary>
    public string Url(string path = "hooks") => new Uri(BaseAddress, path).AbsoluteUri;

    public IReadOnlyList<ReceivedWebhook> Received => _received.ToArray();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        WebhookReceiver? receiver = null;
        app.MapPost("/{**path}", async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            receiver!.Record(context, buffer.ToArray());
            context.Response.StatusCode = receiver._answers.TryDequeue(out var status) ? status : StatusCodes.Status200OK;
        });
        await app.StartAsync();
        receiver = new WebhookReceiver(app);
        return receiver;
    }

    /// <summary>The next requests are answered with these statuses, in order; then 200 again.</summary>
    public void AnswerNext(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _answers.Enqueue(status);
        }
    }

    public Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(int count) =>
        Eventually.ReturnsAsync(() => Received, received => received.Count >= count, $"{count} webhooks");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void Record(HttpContext context, byte[] body) =>
        _received.Enqueue(new ReceivedWebhook(context.Request.Path.Value ?? string.Empty, body, context.Request.Headers["videosdk-signature"].ToString()));
}

internal sealed record ReceivedWebhook(string Path, byte[] Body, string Signature)
{
    public JsonElement Json
    {
        get
        {
            using var document = JsonDocument.Parse(Body);
            return document.RootElement.Clone();
        }
    }

    public string Type => Json.GetProperty("webhookType").GetString()!;

    public JsonElement Data => Json.GetProperty("data");

    public override string ToString() => $"{Path} {Encoding.UTF8.GetString(Body)}";
}
