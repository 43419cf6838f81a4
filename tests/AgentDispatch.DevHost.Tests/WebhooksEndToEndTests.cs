using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using AgentDispatch.Testing;
using AgentDispatch.Testing.Webhooks;
using AgentDispatch.VideoSdkEmulator;
using AgentDispatch.Webhooks.Calendly;
using AgentDispatch.Webhooks.Standard;

namespace AgentDispatch.DevHost.Tests;

/// <summary>
/// Webhooks end to end over real HTTP: a signed delivery to the dev host becomes a job that the
/// dev host's own queue and timer runners dispatch into the VideoSDK emulator at the rule's time.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class WebhooksEndToEndTests(StorageFixture storage) : IAsyncLifetime
{
    private const string CalendlyKey = "calendly-signing-key-for-e2e";
    private const string StandardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string Agent = "webhook-e2e-agent";
    private readonly string _requests = AzuriteFixture.UniqueName("requests");
    private readonly string _wake = AzuriteFixture.UniqueName("wake");
    private readonly string _ledger = AzuriteFixture.UniqueName("ledger");
    private RunningEmulator _videoSdk = null!;

    public async Task InitializeAsync() => _videoSdk = await VideoSdkEmulatorApp.StartAsync(new EmulatorOptions());

    public async Task DisposeAsync() => await _videoSdk.DisposeAsync();

    private Task<RunningDevHost> StartHostAsync(params string[] extra) => RunningDevHost.StartAsync(
        storage,
        [
            $"--VideoSdk:BaseUrl={_videoSdk.BaseAddress}",
            "--VideoSdk:AuthToken=e2e-token",
            $"--DISPATCH_REQUESTS_QUEUE={_requests}",
            $"--DISPATCH_WAKE_QUEUE={_wake}",
            $"--Jobs:LedgerTable={_ledger}",
            $"--Webhooks:Calendly:Secret={CalendlyKey}",
            $"--Webhooks:Standard:Secret={StandardSecret}",
            "--Routing:Rules:0:Name=e2e",
            $"--Routing:Rules:0:AgentId={Agent}",
            "--Routing:Rules:0:LeadTime=00:00:40",
            .. extra,
        ]);

    private static async Task<HttpResponseMessage> PostAsync(RunningDevHost host, string route, byte[] body, IReadOnlyDictionary<string, string> headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, route) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await host.Client.SendAsync(request);
    }

    private static async Task<JsonNode> JsonAsync(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    [Fact]
    public async Task SignedCalendlyBooking_IsAcknowledgedAtOnce_AndDispatchedOnceAtTheRulesTime()
    {
        await using var host = await StartHostAsync();
        var body = WebhookPayloads.CalendlyCreated("E2E1", DateTimeOffset.UtcNow.AddSeconds(45), DateTimeOffset.UtcNow);
        var headers = new Dictionary<string, string> { [CalendlySignature.Header] = CalendlySignature.Sign(body, CalendlyKey, DateTimeOffset.UtcNow) };

        var clock = Stopwatch.StartNew();
        using var accepted = await PostAsync(host, "api/webhooks/calendly", body, headers);
        var acknowledgedIn = clock.Elapsed;

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.True(acknowledgedIn < TimeSpan.FromSeconds(3), $"acknowledged in {acknowledgedIn.TotalMilliseconds:F0} ms");
        var ack = await JsonAsync(accepted);
        Assert.Equal(("scheduled", "e2e"), ((string?)ack["status"], (string?)ack["rule"]));
        var jobUrl = $"api/dispatches/{(string)ack["jobId"]!}";
        var job = JsonNode.Parse(await host.Client.GetStringAsync(jobUrl))!;
        var dispatchAt = DateTimeOffset.Parse((string)job["dispatchAt"]!, CultureInfo.InvariantCulture);
        Assert.Equal("scheduled", (string?)job["state"]);
        Assert.Empty(_videoSdk.State.Dispatches);

        // The same delivery again (a sender's retry) before the job is due: acknowledged, nothing new.
        using (var repeated = await PostAsync(host, "api/webhooks/calendly", body, headers))
        {
            Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
            Assert.Equal("ignored", (string?)(await JsonAsync(repeated))["status"]);
        }

        var deadline = DateTime.UtcNow.AddSeconds(25);
        while (_videoSdk.State.Dispatches.Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var dispatch = Assert.Single(_videoSdk.State.Dispatches);
        Assert.Equal(("abcd-efgh-ijkl", Agent), (dispatch.MeetingId, dispatch.AgentId));
        Assert.True(dispatch.ReceivedAt >= dispatchAt, $"dispatched {(dispatchAt - dispatch.ReceivedAt).TotalMilliseconds:F0} ms before {dispatchAt:O}");
        Assert.True(dispatch.ReceivedAt - dispatchAt < TimeSpan.FromSeconds(3), $"dispatched {(dispatch.ReceivedAt - dispatchAt).TotalMilliseconds:F0} ms late");

        // The emulator records the dispatch before the job is marked: wait for the ledger to say assigned.
        while ((string?)JsonNode.Parse(await host.Client.GetStringAsync(jobUrl))!["state"] != "assigned" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        // And once more after the dispatch: still acknowledged as ignored, still one agent.
        using (var late = await PostAsync(host, "api/webhooks/calendly", body, headers))
        {
            Assert.Equal(HttpStatusCode.OK, late.StatusCode);
            var lateAck = await JsonAsync(late);
            Assert.Equal(("ignored", "the job is already assigned"), ((string?)lateAck["status"], (string?)lateAck["reason"]));
        }

        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(_videoSdk.State.Dispatches);
    }

    [Fact]
    public async Task StandardWebhook_WithItsThreeHeaders_Is202_WithoutAFunctionKey()
    {
        // A function key guards the Function-level routes; a webhook sender cannot send one, and need not.
        await using var host = await StartHostAsync("--DevHost:FunctionKey=e2e-function-key");
        var body = WebhookPayloads.Standard("meeting.scheduled", "e2e-standard-1", DateTimeOffset.UtcNow.AddHours(3));
        var signedAt = DateTimeOffset.UtcNow;
        var headers = new Dictionary<string, string>
        {
            [StandardWebhookSignature.IdHeader] = "msg_e2e_1",
            [StandardWebhookSignature.TimestampHeader] = signedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            [StandardWebhookSignature.SignatureHeader] = StandardWebhookSignature.Sign("msg_e2e_1", signedAt, body, StandardSecret),
        };

        using var response = await PostAsync(host, "api/webhooks/standard", body, headers);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var ack = await JsonAsync(response);
        Assert.Equal(("scheduled", "e2e"), ((string?)ack["status"], (string?)ack["rule"]));
        using var list = new HttpRequestMessage(HttpMethod.Get, "api/dispatches?meetingId=stnd-0001-mtng");
        list.Headers.Add("x-functions-key", "e2e-function-key");
        using var listed = await host.Client.SendAsync(list);
        var job = Assert.Single((await JsonAsync(listed))["items"]!.AsArray());
        Assert.Equal(((string?)ack["jobId"], "standard", Agent), ((string?)job!["id"], (string?)job["source"], (string?)job["agentId"]));
    }

    [Fact]
    public async Task UnsignedDelivery_Is401_AndNothingIsStoredOrDispatched()
    {
        await using var host = await StartHostAsync();
        // Due at once if it were accepted (start within the rule's 40 s lead time).
        var body = WebhookPayloads.CalendlyCreated("E2E-UNSIGNED", DateTimeOffset.UtcNow.AddSeconds(10), DateTimeOffset.UtcNow);

        using var response = await PostAsync(host, "api/webhooks/calendly", body, new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("urn:agentdispatch:problem:webhook-signature", (string?)(await JsonAsync(response))["type"]);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty(_videoSdk.State.Dispatches);
        using var listed = await host.Client.GetAsync("api/dispatches");
        Assert.Empty((await JsonAsync(listed))["items"]!.AsArray());
    }
}
